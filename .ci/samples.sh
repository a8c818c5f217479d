#!/usr/bin/env bash
# Builds the samples with Mono, outside Unity (run after .ci/csharp.sh, or on its own):
#   - the Unity sample scripts (samples/unity/Assets/Scripts/*.cs) compiled against the
#     package's Tandem.Core and Tandem.Unity and the compile-only UnityEngine stubs in
#     unity-client/Tests/UnityStubs~/ (catches API slips without Unity; nothing runs),
#   - the headless console client samples/console/Program.cs, compiled with the Core sources
#     into build/samples/Console.exe, and a smoke run of its argument check.
# The end-to-end run of Console.exe against a real server is `go test ./samples/`
# (TANDEM_CONSOLE_EXE=$PWD/build/samples/Console.exe uses this build).
# Output goes to build/samples/ (git-ignored). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if ! command -v mcs >/dev/null || ! command -v mono >/dev/null; then
  echo "== installing mono-devel"
  apt-get update -qq
  apt-get install -y -qq mono-devel >/dev/null
fi

PKG=unity-client
SAMPLES=samples/unity/Assets/Scripts
OUT=build/samples
rm -rf "$OUT"
mkdir -p "$OUT"

MCS=(mcs -langversion:7.2 -nologo -warnaserror+ -debug)

# Unity compiles every .cs under Assets/Scripts into Tandem.Samples (the asmdef there);
# so does this, recursively, so a script in a subfolder cannot be missed.
mapfile -t scripts < <(find "$SAMPLES" -name '*.cs' -not -path '*~/*' | sort)
if [ "${#scripts[@]}" -eq 0 ]; then
  echo "no sample scripts under $SAMPLES" >&2
  exit 1
fi

echo "== compiling Tandem.Core, the Unity stubs and Tandem.Unity"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Core.dll" -recurse:"$PKG/Runtime/Core/*.cs"
"${MCS[@]}" -target:library -nowarn:0660,0661 -out:"$OUT/UnityEngine.dll" "$PKG/Tests/UnityStubs~/UnityEngine.cs"
"${MCS[@]}" -target:library -out:"$OUT/Tandem.Unity.dll" -r:"$OUT/Tandem.Core.dll" -r:"$OUT/UnityEngine.dll" \
  -recurse:"$PKG/Runtime/Unity/*.cs"

echo "== compiling the Unity sample scripts (${#scripts[@]} files, compile-only)"
# As Unity does with Active Input Handling "Input Manager (Old)", the sample project's
# setting: SampleInput.cs then reads UnityEngine.Input (the stubs have no Input System).
"${MCS[@]}" -target:library -define:ENABLE_LEGACY_INPUT_MANAGER -out:"$OUT/Tandem.Samples.dll" \
  -r:"$OUT/Tandem.Core.dll" -r:"$OUT/Tandem.Unity.dll" -r:"$OUT/UnityEngine.dll" "${scripts[@]}"

echo "== building the console sample"
"${MCS[@]}" -target:exe -out:"$OUT/Console.exe" -recurse:"$PKG/Runtime/Core/*.cs" samples/console/Program.cs

echo "== smoke: the console sample rejects bad arguments with its usage"
set +e
usage=$(mono "$OUT/Console.exe" 2>&1)
status=$?
set -e
if [ "$status" -ne 2 ] || ! grep -q '^usage: ' <<<"$usage"; then
  echo "Console.exe without arguments: exit $status, output:" >&2
  echo "$usage" >&2
  exit 1
fi

echo
echo "samples: built $OUT/Tandem.Samples.dll and $OUT/Console.exe"
echo "  end to end against the real server: TANDEM_CONSOLE_EXE=$PWD/$OUT/Console.exe go test ./samples/ -v"
