package samples

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The samples work with either of Unity's input backends: the project sets
// Active Input Handling explicitly, and only SampleInput.cs reads input,
// choosing the backend by Unity's defines.
func TestSamplesInputBackends(t *testing.T) {
	l := repoLayout(t)
	settings, err := os.ReadFile(filepath.Join(l.project, "ProjectSettings", "ProjectSettings.asset"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^  activeInputHandler: [012]\r?$`, string(settings), "Active Input Handling is set explicitly")

	scripts, err := filepath.Glob(filepath.Join(l.project, "Assets", "Scripts", "*.cs"))
	require.NoError(t, err)
	require.NotEmpty(t, scripts)
	// UnityEngine.Input throws when only the Input System is enabled.
	legacy := regexp.MustCompile(`\bInput\.(Get\w+|mousePosition|anyKey|touch\w*|mouseScrollDelta)\b`)
	for _, p := range scripts {
		text, err := os.ReadFile(p)
		require.NoError(t, err)
		name := filepath.Base(p)
		if name == "SampleInput.cs" {
			for _, define := range []string{"ENABLE_INPUT_SYSTEM", "ENABLE_LEGACY_INPUT_MANAGER", "TANDEM_SAMPLES_INPUT_SYSTEM"} {
				assert.Contains(t, string(text), define, name)
			}
			continue
		}
		assert.NotRegexp(t, legacy, string(text), "%s reads input itself; use SampleInput", name)
		assert.NotContains(t, string(text), "UnityEngine.InputSystem", "%s reads input itself; use SampleInput", name)
	}

	var asm struct {
		References     []string `json:"references"`
		VersionDefines []struct {
			Name, Define string
		} `json:"versionDefines"`
	}
	text, err := os.ReadFile(filepath.Join(l.project, "Assets", "Scripts", "Tandem.Samples.asmdef"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(text, &asm))
	assert.Contains(t, asm.References, "Unity.InputSystem")
	found := false
	for _, vd := range asm.VersionDefines {
		found = found || vd.Name == "com.unity.inputsystem" && vd.Define == "TANDEM_SAMPLES_INPUT_SYSTEM"
	}
	assert.True(t, found, "the asmdef defines TANDEM_SAMPLES_INPUT_SYSTEM when the Input System package is installed: %s", strings.TrimSpace(string(text)))
}
