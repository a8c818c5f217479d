package unityassets

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func repoLayout(t *testing.T) Layout {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"), "the tests run from samples/unityassets/")
	return Layout{pkg: filepath.Join(root, "unity-client"), project: filepath.Join(root, "samples", "unity")}
}

func TestUnityAssets(t *testing.T) {
	l := repoLayout(t)
	idx := indexLayout(l)
	require.NotEmpty(t, sceneFiles(l, idx), "the sample project has scenes")
	for _, c := range assetChecks {
		t.Run(c.name, func(t *testing.T) {
			assert.Empty(t, c.run(l, idx))
		})
	}
}

// TestAssetCheckFindsProblems breaks a copy of the package and the project
// in one way each and expects the check to say so.
func TestAssetCheckFindsProblems(t *testing.T) {
	repo := repoLayout(t)
	const networkManagerGUID = "f96d3693f61c4225ac24d719767fc75d"
	scene := "samples/unity/Assets/Scenes/SharedWorld.unity"
	cases := []struct {
		name   string
		damage func(t *testing.T, root string)
		want   string
	}{
		{"missing meta", func(t *testing.T, root string) {
			remove(t, root, "samples/unity/Assets/Scripts/SampleMenu.cs.meta")
		}, "missing meta: "},
		{"orphan meta", func(t *testing.T, root string) {
			write(t, root, "samples/unity/Assets/Gone.cs.meta", "fileFormatVersion: 2\nguid: 0123456789abcdef0123456789abcdef\n")
		}, "meta without asset: "},
		{"guid used twice", func(t *testing.T, root string) {
			write(t, root, "samples/unity/Assets/Scripts/Copy.cs", "class Copy {}\n")
			write(t, root, "samples/unity/Assets/Scripts/Copy.cs.meta", "fileFormatVersion: 2\nguid: "+networkManagerGUID+"\n")
		}, "guid " + networkManagerGUID + " used twice"},
		{"meta without a guid", func(t *testing.T, root string) {
			write(t, root, "samples/unity/Assets/Scripts/SampleMenu.cs.meta", "fileFormatVersion: 2\nguid: xyz\n")
		}, "meta without a 32-hex guid"},
		{"script guid that resolves nowhere", func(t *testing.T, root string) {
			replace(t, root, scene, networkManagerGUID, "0123456789abcdef0123456789abcdef")
		}, "unresolved guid 0123456789abcdef0123456789abcdef"},
		{"script guid of something that is not a script", func(t *testing.T, root string) {
			replace(t, root, scene, networkManagerGUID, guidIn(t, root, "samples/unity/Assets/Scripts/Tandem.Samples.asmdef.meta"))
		}, "not a C# script"},
		{"scene sets a field the script does not have", func(t *testing.T, root string) {
			replace(t, root, scene, "  turnSpeed: 720\n", "  turnSpeeed: 720\n")
		}, "sets turnSpeeed"},
		{"missing directives", func(t *testing.T, root string) {
			replace(t, root, scene, "%YAML 1.1\n", "")
		}, "does not start with %YAML 1.1"},
		{"bad document header", func(t *testing.T, root string) {
			replace(t, root, scene, "--- !u!20 &", "--- !u!20 ")
		}, "bad document header"},
		{"tab indentation", func(t *testing.T, root string) {
			replace(t, root, scene, "  m_Fog: 0\n", "\tm_Fog: 0\n")
		}, "tab in a line"},
		{"dangling local reference", func(t *testing.T, root string) {
			replace(t, root, scene, "m_Sun: {fileID: 705507994}", "m_Sun: {fileID: 42}")
		}, "refers to &42, which is not in the file"},
		{"component its GameObject does not list", func(t *testing.T, root string) {
			replace(t, root, scene, "  - component: {fileID: 963194226}\n", "")
		}, "is not in the component list"},
		{"scene missing from the build settings", func(t *testing.T, root string) {
			replace(t, root, "samples/unity/ProjectSettings/EditorBuildSettings.asset",
				"  - enabled: 1\n    path: Assets/Scenes/Ownership.unity\n", "  - enabled: 1\n    path: Assets/Scenes/Nowhere.unity\n")
		}, "does not list samples/unity/Assets/Scenes/Ownership.unity"},
		{"build settings guid differs from the scene's meta", func(t *testing.T, root string) {
			g := guidIn(t, root, scene+".meta")
			replace(t, root, "samples/unity/ProjectSettings/EditorBuildSettings.asset", g, "0123456789abcdef0123456789abcdef")
		}, "its meta says"},
		{"manifest path one level off", func(t *testing.T, root string) {
			replace(t, root, "samples/unity/Packages/manifest.json", "file:../../../unity-client", "file:../../unity-client")
		}, "does not lead to a package.json"},
		{"asmdef with an unknown reference", func(t *testing.T, root string) {
			replace(t, root, "samples/unity/Assets/Scripts/Tandem.Samples.asmdef", `"Tandem.Unity"`, `"Tandem.Unty"`)
		}, "references unknown assembly Tandem.Unty"},
		{"editor too old", func(t *testing.T, root string) {
			write(t, root, "samples/unity/ProjectSettings/ProjectVersion.txt", "m_EditorVersion: 2020.3.48f1\n")
		}, "older than 2021.3"},
	}

	clean := copyCheckout(t, repo)
	assert.Empty(t, Check(clean), "an unbroken copy passes")

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := copyCheckout(t, repo)
			c.damage(t, filepath.Dir(filepath.Dir(l.project)))
			problems := Check(l)
			found := false
			for _, p := range problems {
				found = found || strings.Contains(p, c.want)
			}
			assert.True(t, found, "want a problem containing %q, got %q", c.want, problems)
		})
	}
}

// copyCheckout copies the package and the project into a temp dir, in the
// same places relative to each other.
func copyCheckout(t *testing.T, from Layout) Layout {
	t.Helper()
	root := t.TempDir()
	to := Layout{pkg: filepath.Join(root, "unity-client"), project: filepath.Join(root, "samples", "unity")}
	copyTree(t, from.pkg, to.pkg)
	copyTree(t, from.project, to.project)
	return to
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, r)
		if d.IsDir() {
			if r != "." && (d.Name() == "Library" || d.Name() == "Temp" || d.Name() == "Logs") {
				return filepath.SkipDir // what an opened editor leaves behind
			}
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	require.NoError(t, err)
}

func write(t *testing.T, root, name, text string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), []byte(text), 0o644))
}

func remove(t *testing.T, root, name string) {
	t.Helper()
	require.NoError(t, os.Remove(filepath.Join(root, filepath.FromSlash(name))))
}

func replace(t *testing.T, root, name, old, with string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(data), old, "%s", name)
	require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), old, with, 1)), 0o644))
}

func guidIn(t *testing.T, root, meta string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(meta)))
	require.NoError(t, err)
	m := metaGUID.FindSubmatch(data)
	require.NotNil(t, m, meta)
	return string(m[1])
}
