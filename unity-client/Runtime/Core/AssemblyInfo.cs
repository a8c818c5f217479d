using System.Runtime.CompilerServices;

// The tests feed server lines straight into the inbox (TandemClient.InjectServerLine).
[assembly: InternalsVisibleTo("Tandem.Tests.Editor")]
