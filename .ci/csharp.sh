#!/usr/bin/env bash
# Builds and tests the C# Unity package (unity-client/) with Mono, outside Unity:
#   - Tandem.Core.dll, then Tandem.Unity.dll and Tandem.Editor.dll against the
#     compile-only UnityEngine/UnityEditor stubs (catches API slips without Unity),
#   - Tandem.Tests.Editor.dll (the edit-mode tests in Tests/Editor), run with nunit-console (NUnit 2.6),
#   - Tandem.Tests.Runtime.dll (the play-mode tests in Tests/Runtime), compiled only: they
#     need a Unity player,
#   - E2EClient.exe, the headless client that server/csharp_e2e_test.go runs
#     against the real server (TANDEM_CSHARP_E2E_EXE=build/csharp/E2EClient.exe).
# Output goes to build/csharp/ (git-ignored). Run from anywhere; works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if ! command -v mcs >/dev/null || ! command -v nunit-console >/dev/null; then
  echo "== installing mono-devel and nunit-console"
  apt-get update -qq
  apt-get install -y -qq mono-devel nunit-console >/dev/null
fi

PKG=unity-client
OUT=build/csharp
rm -rf "$OUT"
mkdir -p "$OUT" "$OUT/webgl"

NUNIT=$(find /usr/lib -name nunit.framework.dll 2>/dev/null | sort | head -n 1)
if [ -z "$NUNIT" ]; then
  echo "nunit.framework.dll not found under /usr/lib" >&2
  exit 1
fi

MCS=(mcs -langversion:7.2 -nologo -warnaserror+ -debug)

# Core must stay free of UnityEngine: the asmdef says so, and so must the code.
if grep -rn --include='*.cs' -E 'using +UnityEngine|UnityEngine\.' "$PKG/Runtime/Core"; then
  echo "Tandem.Core must not use UnityEngine" >&2
  exit 1
fi

echo "== compiling Tandem.Core"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Core.dll" -recurse:"$PKG/Runtime/Core/*.cs"

echo "== compiling Unity stubs, Tandem.Unity, Tandem.Editor (compile-only check)"
"${MCS[@]}" -target:library -nowarn:0660,0661 -out:"$OUT/UnityEngine.dll" "$PKG/Tests/UnityStubs~/UnityEngine.cs"
"${MCS[@]}" -target:library -out:"$OUT/UnityEditor.dll" -r:"$OUT/UnityEngine.dll" "$PKG/Tests/UnityStubs~/UnityEditor.cs"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Unity.dll" -r:"$OUT/Tandem.Core.dll" -r:"$OUT/UnityEngine.dll" \
  -recurse:"$PKG/Runtime/Unity/*.cs"
# The WebGL branch too (UNITY_WEBGL: the browser's WebSocket instead of threads and sockets).
"${MCS[@]}" -target:library -define:UNITY_WEBGL -out:"$OUT/webgl/Tandem.Unity.dll" -r:"$OUT/Tandem.Core.dll" -r:"$OUT/UnityEngine.dll" \
  -recurse:"$PKG/Runtime/Unity/*.cs"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Editor.dll" -r:"$OUT/Tandem.Core.dll" -r:"$OUT/Tandem.Unity.dll" \
  -r:"$OUT/UnityEngine.dll" -r:"$OUT/UnityEditor.dll" -recurse:"$PKG/Editor/*.cs"

echo "== compiling Tandem.Tests"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Tests.Editor.dll" -r:"$OUT/Tandem.Core.dll" -r:"$NUNIT" \
  -recurse:"$PKG/Tests/Editor/*.cs"
cp "$NUNIT" "$OUT/"

echo "== compiling Tandem.Tests.Runtime (play-mode tests; compile-only, they need a Unity player)"
"${MCS[@]}" -target:library -out:"$OUT/UnityEngine.TestRunner.dll" -r:"$NUNIT" "$PKG/Tests/UnityStubs~/UnityEngine.TestRunner.cs"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Tests.Runtime.dll" -r:"$OUT/Tandem.Core.dll" -r:"$OUT/Tandem.Unity.dll" \
  -r:"$OUT/UnityEngine.dll" -r:"$OUT/UnityEngine.TestRunner.dll" -r:"$NUNIT" -recurse:"$PKG/Tests/Runtime/*.cs"

echo "== building E2EClient.exe"
"${MCS[@]}" -target:exe -out:"$OUT/E2EClient.exe" -recurse:"$PKG/Runtime/Core/*.cs" -recurse:"$PKG/Tests/E2E~/*.cs"

echo "== running NUnit"
export TANDEM_VECTORS="$PWD/protocol/testdata/vectors.txt"
set +e
(cd "$OUT" && timeout 600 nunit-console -nologo -result=TestResult.xml Tandem.Tests.Editor.dll) > "$OUT/nunit.log" 2>&1
status=$?
set -e
# The per-test labels and any failure details, then the summary line.
grep -v -E '^\s+at |RuntimeMethodInfo' "$OUT/nunit.log" || true
summary=$(grep -E '^Tests run: ' "$OUT/nunit.log" || true)
if [ -z "$summary" ]; then
  echo "nunit-console printed no summary (exit $status)" >&2
  exit 1
fi
echo
echo "NUnit: $summary"
if [ "$status" -ne 0 ]; then
  echo "C# tests failed (nunit-console exit $status)" >&2
  exit "$status"
fi
# Also the plain closing line CI reads ('N passed, N failed').
total=$(sed -E 's/^Tests run: ([0-9]+).*/\1/' <<<"$summary")
errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$summary")
failures=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$summary")
echo "csharp: $((total - errors - failures)) passed, $((errors + failures)) failed"
echo
echo "E2E client built: $OUT/E2EClient.exe"
echo "  run against the real server: TANDEM_CSHARP_E2E_EXE=$PWD/$OUT/E2EClient.exe go test ./server/ -run CSharp -v"
