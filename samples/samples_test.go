// Package samples holds no Go code. Its tests check the Unity sample project
// (samples/unity) and the package it uses (unity-client) the way the Unity
// Editor reads them, and run the console sample (samples/console) end to end
// against a real server.
package samples

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/server/servertest"
)

// ---- the asset check ----------------------------------------------------------------

// A checkout laid out like the repository: the package and the sample project.
type layout struct {
	pkg     string // unity-client
	project string // samples/unity
}

func repoLayout(t *testing.T) layout {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"), "the tests run from samples/")
	return layout{pkg: filepath.Join(root, "unity-client"), project: filepath.Join(root, "samples", "unity")}
}

// Unity's built-in resources (default meshes, materials, the skybox...).
var builtinGUIDs = map[string]bool{
	"0000000000000000e000000000000000": true,
	"0000000000000000f000000000000000": true,
	"0000000000000000d000000000000000": true,
	"0000000000000000c000000000000000": true,
}

// Unity skips hidden entries and anything whose name ends in '~'.
func hiddenFromUnity(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~")
}

var metaGUID = regexp.MustCompile(`(?m)^guid: ([0-9a-f]{32})\r?$`)

// assetIndex is what the Editor imports from the package and from Assets/.
type assetIndex struct {
	byGUID   map[string]string // guid -> asset path
	guidOf   map[string]string // asset path -> guid
	files    []string          // imported files (not metas)
	problems []string          // found while walking
}

func indexAssets(roots ...string) *assetIndex {
	idx := &assetIndex{byGUID: map[string]string{}, guidOf: map[string]string{}}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == root {
				return nil // a package root or Assets/ has no meta of its own
			}
			if hiddenFromUnity(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".meta") {
				idx.readMeta(p)
				return nil
			}
			if !d.IsDir() {
				idx.files = append(idx.files, p)
			}
			if _, err := os.Stat(p + ".meta"); err != nil {
				idx.problems = append(idx.problems, "missing meta: "+p)
			}
			return nil
		})
		if err != nil {
			idx.problems = append(idx.problems, fmt.Sprintf("walking %s: %v", root, err))
		}
	}
	sort.Strings(idx.files)
	return idx
}

func (idx *assetIndex) readMeta(p string) {
	asset := strings.TrimSuffix(p, ".meta")
	if _, err := os.Stat(asset); err != nil {
		idx.problems = append(idx.problems, "meta without asset: "+p)
	}
	text, err := os.ReadFile(p)
	if err != nil {
		idx.problems = append(idx.problems, err.Error())
		return
	}
	m := metaGUID.FindSubmatch(text)
	if m == nil {
		idx.problems = append(idx.problems, "meta without a 32-hex guid: "+p)
		return
	}
	g := string(m[1])
	if other, dup := idx.byGUID[g]; dup {
		idx.problems = append(idx.problems, fmt.Sprintf("guid %s used twice: %s and %s", g, other, asset))
		return
	}
	idx.byGUID[g] = asset
	idx.guidOf[asset] = g
}

func (idx *assetIndex) withSuffix(suffix string) []string {
	var out []string
	for _, f := range idx.files {
		if strings.HasSuffix(f, suffix) {
			out = append(out, f)
		}
	}
	return out
}

// unityDoc is one "--- !u!<class> &<fileID>" document of a Unity YAML file.
type unityDoc struct {
	classID  int
	fileID   int64
	typeName string
	line     int      // of the header, 1-based
	body     []string // the lines after the type line
}

var (
	docHeader = regexp.MustCompile(`^--- !u!(\d+) &(-?\d+)( stripped)?$`)
	typeLine  = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_]*):$`)
	topKey    = regexp.MustCompile(`^  ([A-Za-z_][A-Za-z0-9_ ]*):(?: (.*))?$`)
	reference = regexp.MustCompile(`\{fileID: (-?\d+)(?:, guid: ([0-9a-fA-F]{32}), type: (\d+))?\}`)
	listedRef = regexp.MustCompile(`^  - (?:component: )?\{fileID: (-?\d+)\}$`)
)

const unityYAMLPrefix = "%YAML 1.1\n%TAG !u! tag:unity3d.com,2011:\n"

// The class ids the samples use, and their type names.
var classNames = map[int]string{
	1: "GameObject", 4: "Transform", 20: "Camera", 29: "OcclusionCullingSettings", 81: "AudioListener",
	104: "RenderSettings", 108: "Light", 114: "MonoBehaviour", 157: "LightmapSettings",
	196: "NavMeshSettings", 224: "RectTransform", 1045: "EditorBuildSettings",
}

// parseUnityYAML splits a Unity YAML file into documents, checking the
// shape Unity writes: the two directives, "--- !u!<class> &<fileID>"
// headers, one "TypeName:" line, then lines indented by two spaces.
func parseUnityYAML(name, text string) ([]*unityDoc, []string) {
	var problems []string
	bad := func(line int, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	if !strings.HasPrefix(text, unityYAMLPrefix) {
		return nil, []string{name + ": does not start with %YAML 1.1 and %TAG !u! tag:unity3d.com,2011:"}
	}
	if !strings.HasSuffix(text, "\n") {
		problems = append(problems, name+": no newline at the end")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var docs []*unityDoc
	var cur *unityDoc
	for i := 2; i < len(lines); i++ {
		n, l := i+1, lines[i]
		switch {
		case strings.HasPrefix(l, "---"):
			m := docHeader.FindStringSubmatch(l)
			if m == nil {
				bad(n, "bad document header %q (want --- !u!<classID> &<fileID>)", l)
				cur = nil
				continue
			}
			cls, _ := strconv.Atoi(m[1])
			fid, _ := strconv.ParseInt(m[2], 10, 64)
			cur = &unityDoc{classID: cls, fileID: fid, line: n}
			docs = append(docs, cur)
		case cur == nil:
			bad(n, "content outside a document")
		case cur.typeName == "":
			m := typeLine.FindStringSubmatch(l)
			if m == nil {
				bad(n, "document &%d: want its type name (\"GameObject:\"), got %q", cur.fileID, l)
				cur.typeName = "?"
				continue
			}
			cur.typeName = m[1]
			if want, ok := classNames[cur.classID]; ok && want != cur.typeName {
				bad(n, "class %d is %s, not %s", cur.classID, want, cur.typeName)
			}
		case strings.ContainsRune(l, '\t'):
			bad(n, "tab in a line (Unity indents with spaces)")
		case !strings.HasPrefix(l, "  "):
			bad(n, "line not indented under its document: %q", l)
		default:
			cur.body = append(cur.body, l)
		}
	}
	for _, d := range docs {
		if d.typeName == "" {
			bad(d.line, "document &%d has no type line", d.fileID)
		}
	}
	if len(docs) == 0 {
		problems = append(problems, name+": no documents")
	}
	return docs, problems
}

// value of a top-level key ("  key: value"), and whether it is there.
func (d *unityDoc) value(key string) (string, bool) {
	for _, l := range d.body {
		if m := topKey.FindStringSubmatch(l); m != nil && m[1] == key {
			return m[2], true
		}
	}
	return "", false
}

// refFileID reads "{fileID: N}" from a top-level key.
func (d *unityDoc) refFileID(key string) (int64, bool) {
	v, ok := d.value(key)
	if !ok {
		return 0, false
	}
	m := reference.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id, true
}

// listUnder returns the fileIDs listed as "  - {fileID: N}" or
// "  - component: {fileID: N}" right under a top-level key.
func (d *unityDoc) listUnder(key string) []int64 {
	var out []int64
	in := false
	for _, l := range d.body {
		if m := topKey.FindStringSubmatch(l); m != nil {
			in = m[1] == key
			continue
		}
		if m := listedRef.FindStringSubmatch(l); in && m != nil {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			out = append(out, id)
		}
	}
	return out
}

// serializedFields are a MonoBehaviour's own keys (not Unity's m_ ones).
func (d *unityDoc) serializedFields() []string {
	var out []string
	for _, l := range d.body {
		if m := topKey.FindStringSubmatch(l); m != nil && !strings.HasPrefix(m[1], "m_") && m[1] != "serializedVersion" {
			out = append(out, m[1])
		}
	}
	return out
}

// checkScenes: every .unity file under Assets is well-formed, its objects
// hang together, and every guid it names resolves: m_Script to a C# script
// meta (whose file declares the class and the serialized fields the scene
// sets), anything else to an asset or a Unity built-in.
func checkScenes(l layout, idx *assetIndex) []string {
	var problems []string
	scenes := sceneFiles(l, idx)
	if len(scenes) == 0 {
		return []string{"no scenes under " + filepath.Join(l.project, "Assets")}
	}
	for _, path := range scenes {
		text, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		name := rel(l, path)
		docs, p := parseUnityYAML(name, string(text))
		problems = append(problems, p...)
		problems = append(problems, checkSceneObjects(name, docs)...)
		problems = append(problems, checkSceneReferences(name, docs, idx)...)
	}
	return problems
}

func sceneFiles(l layout, idx *assetIndex) []string {
	var out []string
	assets := filepath.Join(l.project, "Assets") + string(filepath.Separator)
	for _, f := range idx.withSuffix(".unity") {
		if strings.HasPrefix(f, assets) {
			out = append(out, f)
		}
	}
	return out
}

func checkSceneObjects(name string, docs []*unityDoc) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, name+": "+fmt.Sprintf(format, args...)) }
	byID := map[int64]*unityDoc{}
	count := map[int]int{}
	for _, d := range docs {
		if _, dup := byID[d.fileID]; dup {
			bad("fileID %d used twice", d.fileID)
		}
		byID[d.fileID] = d
		count[d.classID]++
	}
	for _, cls := range []int{29, 104, 157, 196} {
		if count[cls] != 1 {
			bad("want one %s, found %d", classNames[cls], count[cls])
		}
	}
	for _, d := range docs {
		if d.classID == 1 {
			transforms := 0
			for _, c := range d.listUnder("m_Component") {
				comp, ok := byID[c]
				if !ok {
					bad("GameObject &%d lists component &%d, which is not in the file", d.fileID, c)
					continue
				}
				if owner, _ := comp.refFileID("m_GameObject"); owner != d.fileID {
					bad("component &%d is listed by GameObject &%d but belongs to &%d", c, d.fileID, owner)
				}
				if comp.classID == 4 || comp.classID == 224 {
					transforms++
				}
			}
			if transforms != 1 {
				bad("GameObject &%d has %d transforms, want 1", d.fileID, transforms)
			}
			continue
		}
		owner, ok := d.refFileID("m_GameObject")
		if !ok || owner == 0 {
			continue // settings documents belong to no GameObject
		}
		goDoc, found := byID[owner]
		if !found || goDoc.classID != 1 {
			bad("%s &%d belongs to &%d, which is not a GameObject in the file", d.typeName, d.fileID, owner)
			continue
		}
		listed := false
		for _, c := range goDoc.listUnder("m_Component") {
			listed = listed || c == d.fileID
		}
		if !listed {
			bad("%s &%d is not in the component list of its GameObject &%d", d.typeName, d.fileID, owner)
		}
		if d.classID == 4 {
			if father, _ := d.refFileID("m_Father"); father != 0 {
				f, found := byID[father]
				if !found || f.classID != 4 {
					bad("Transform &%d has father &%d, which is not a Transform in the file", d.fileID, father)
				} else if !containsID(f.listUnder("m_Children"), d.fileID) {
					bad("Transform &%d is not among the children of its father &%d", d.fileID, father)
				}
			}
		}
	}
	return problems
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func checkSceneReferences(name string, docs []*unityDoc, idx *assetIndex) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, name+": "+fmt.Sprintf(format, args...)) }
	local := map[int64]bool{}
	for _, d := range docs {
		local[d.fileID] = true
	}
	for _, d := range docs {
		for _, l := range d.body {
			for _, m := range reference.FindAllStringSubmatch(l, -1) {
				fid, _ := strconv.ParseInt(m[1], 10, 64)
				g := strings.ToLower(m[2])
				switch {
				case g == "" && fid != 0 && !local[fid]:
					bad("&%d refers to &%d, which is not in the file", d.fileID, fid)
				case g != "" && !builtinGUIDs[g] && idx.byGUID[g] == "":
					bad("&%d: unresolved guid %s", d.fileID, g)
				}
			}
		}
		if d.classID == 114 {
			problems = append(problems, checkScriptReference(name, d, idx)...)
		}
	}
	return problems
}

var scriptRef = regexp.MustCompile(`^\{fileID: 11500000, guid: ([0-9a-f]{32}), type: 3\}$`)

// checkScriptReference: a MonoBehaviour's m_Script names a C# script by
// the guid of its .meta; the script declares a class named like the file
// (Unity's rule) and every field the scene sets.
func checkScriptReference(name string, d *unityDoc, idx *assetIndex) []string {
	v, _ := d.value("m_Script")
	m := scriptRef.FindStringSubmatch(v)
	if m == nil {
		return []string{fmt.Sprintf("%s: MonoBehaviour &%d: m_Script %q is not {fileID: 11500000, guid: <script guid>, type: 3}", name, d.fileID, v)}
	}
	script := idx.byGUID[m[1]]
	if script == "" {
		return nil // reported as an unresolved guid
	}
	if !strings.HasSuffix(script, ".cs") {
		return []string{fmt.Sprintf("%s: MonoBehaviour &%d: m_Script guid %s is %s, not a C# script", name, d.fileID, m[1], script)}
	}
	src, err := os.ReadFile(script)
	if err != nil {
		return []string{err.Error()}
	}
	class := strings.TrimSuffix(filepath.Base(script), ".cs")
	var problems []string
	if !regexp.MustCompile(`\bclass\s+` + regexp.QuoteMeta(class) + `\b`).Match(src) {
		problems = append(problems, fmt.Sprintf("%s: MonoBehaviour &%d: %s declares no class %s", name, d.fileID, script, class))
	}
	for _, f := range d.serializedFields() {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(f) + `\s*(=[^=]|;)`).Match(src) {
			problems = append(problems, fmt.Sprintf("%s: MonoBehaviour &%d sets %s, which %s does not declare", name, d.fileID, f, filepath.Base(script)))
		}
	}
	return problems
}

// checkSceneContents: each sample scene has what its scripts need: a main
// camera (Camera.main), a light, and the package's NetworkManager.
func checkSceneContents(l layout, idx *assetIndex) []string {
	var problems []string
	manager := idx.guidOf[filepath.Join(l.pkg, "Runtime", "Unity", "NetworkManager.cs")]
	if manager == "" {
		return []string{"no meta guid for the package's NetworkManager.cs"}
	}
	for _, path := range sceneFiles(l, idx) {
		text, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		name := rel(l, path)
		docs, _ := parseUnityYAML(name, string(text))
		byID := map[int64]*unityDoc{}
		for _, d := range docs {
			byID[d.fileID] = d
		}
		var mainCamera, light, managers, scripts int
		for _, d := range docs {
			switch d.classID {
			case 20:
				owner, _ := d.refFileID("m_GameObject")
				if g := byID[owner]; g != nil {
					if tag, _ := g.value("m_TagString"); tag == "MainCamera" {
						mainCamera++
					}
				}
			case 108:
				light++
			case 114:
				v, _ := d.value("m_Script")
				if strings.Contains(v, manager) {
					managers++
				} else {
					scripts++
				}
			}
		}
		if mainCamera != 1 || light == 0 || managers != 1 || scripts == 0 {
			problems = append(problems, fmt.Sprintf("%s: want one camera tagged MainCamera (%d), a light (%d), one NetworkManager (%d) and the sample's scripts (%d)",
				name, mainCamera, light, managers, scripts))
		}
	}
	return problems
}

// checkBuildSettings: EditorBuildSettings lists every scene under Assets by
// its path and the guid of its .meta.
func checkBuildSettings(l layout, idx *assetIndex) []string {
	path := filepath.Join(l.project, "ProjectSettings", "EditorBuildSettings.asset")
	text, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	docs, problems := parseUnityYAML(rel(l, path), string(text))
	if len(docs) != 1 || docs[0].classID != 1045 {
		return append(problems, rel(l, path)+": want one EditorBuildSettings document")
	}
	entry := regexp.MustCompile(`^  - enabled: ([01])\n    path: (.+)\n    guid: ([0-9a-f]{32})$`)
	listed := map[string]bool{}
	body := docs[0].body
	for i := 0; i < len(body); i++ {
		if !strings.HasPrefix(body[i], "  - ") {
			continue
		}
		if i+2 >= len(body) {
			problems = append(problems, "EditorBuildSettings: incomplete scene entry at the end")
			break
		}
		m := entry.FindStringSubmatch(strings.Join(body[i:i+3], "\n"))
		if m == nil {
			problems = append(problems, fmt.Sprintf("EditorBuildSettings: scene entry %q is not enabled/path/guid", body[i]))
			continue
		}
		i += 2
		scene := filepath.Join(l.project, filepath.FromSlash(m[2]))
		listed[scene] = true
		switch g := idx.guidOf[scene]; {
		case g == "":
			problems = append(problems, "EditorBuildSettings lists "+m[2]+", which is not an imported asset")
		case g != m[3]:
			problems = append(problems, fmt.Sprintf("EditorBuildSettings lists %s with guid %s, its meta says %s", m[2], m[3], g))
		}
		if m[1] != "1" {
			problems = append(problems, "EditorBuildSettings: "+m[2]+" is disabled")
		}
	}
	for _, s := range sceneFiles(l, idx) {
		if !listed[s] {
			problems = append(problems, "EditorBuildSettings does not list "+rel(l, s))
		}
	}
	return problems
}

// checkManifest: Packages/manifest.json takes the package from this
// checkout with a file: path, which Unity resolves from the Packages folder.
func checkManifest(l layout, _ *assetIndex) []string {
	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	text, err := os.ReadFile(filepath.Join(l.project, "Packages", "manifest.json"))
	if err != nil {
		return []string{err.Error()}
	}
	if err := json.Unmarshal(text, &manifest); err != nil {
		return []string{"Packages/manifest.json: " + err.Error()}
	}
	dep, ok := manifest.Dependencies["com.tandem.netcode"]
	if !ok || !strings.HasPrefix(dep, "file:") {
		return []string{fmt.Sprintf("Packages/manifest.json: com.tandem.netcode is %q, want a file: path", dep)}
	}
	dir := filepath.Join(l.project, "Packages", filepath.FromSlash(strings.TrimPrefix(dep, "file:")))
	var pkg struct {
		Name string `json:"name"`
	}
	text, err = os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return []string{fmt.Sprintf("Packages/manifest.json: %s does not lead to a package.json: %v", dep, err)}
	}
	if err := json.Unmarshal(text, &pkg); err != nil || pkg.Name != "com.tandem.netcode" {
		return []string{fmt.Sprintf("Packages/manifest.json: %s is package %q (%v), not com.tandem.netcode", dep, pkg.Name, err)}
	}
	same, err := sameDir(dir, l.pkg)
	if err != nil || !same {
		return []string{fmt.Sprintf("Packages/manifest.json: %s resolves to %s, not this checkout's %s", dep, dir, l.pkg)}
	}
	return nil
}

func sameDir(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

// checkAsmdefs: every assembly definition parses, names are unique, and
// every reference is an assembly of the tree, a GUID: of one, or Unity's.
func checkAsmdefs(l layout, idx *assetIndex) []string {
	type asmdef struct {
		Name       string   `json:"name"`
		References []string `json:"references"`
	}
	var problems []string
	defs := map[string]asmdef{}
	names := map[string]string{}
	for _, p := range idx.withSuffix(".asmdef") {
		var a asmdef
		text, err := os.ReadFile(p)
		if err == nil {
			err = json.Unmarshal(text, &a)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", rel(l, p), err))
			continue
		}
		if a.Name == "" {
			problems = append(problems, rel(l, p)+": no name")
		} else if other, dup := names[a.Name]; dup {
			problems = append(problems, fmt.Sprintf("assembly %s defined twice: %s and %s", a.Name, rel(l, other), rel(l, p)))
		}
		names[a.Name] = p
		defs[p] = a
	}
	for p, a := range defs {
		for _, r := range a.References {
			switch {
			case names[r] != "":
			case strings.HasPrefix(r, "GUID:"):
				if target := idx.byGUID[strings.ToLower(strings.TrimPrefix(r, "GUID:"))]; !strings.HasSuffix(target, ".asmdef") {
					problems = append(problems, fmt.Sprintf("%s: reference %s is not an assembly definition of the tree", rel(l, p), r))
				}
			case strings.HasPrefix(r, "Unity.") || strings.HasPrefix(r, "UnityEngine.") || strings.HasPrefix(r, "UnityEditor."):
			default:
				problems = append(problems, fmt.Sprintf("%s references unknown assembly %s", rel(l, p), r))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// checkSampleAssembly: the sample scripts are one assembly that uses the
// package's runtime assemblies.
func checkSampleAssembly(l layout, _ *assetIndex) []string {
	var a struct {
		Name       string   `json:"name"`
		References []string `json:"references"`
	}
	text, err := os.ReadFile(filepath.Join(l.project, "Assets", "Scripts", "Tandem.Samples.asmdef"))
	if err == nil {
		err = json.Unmarshal(text, &a)
	}
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, want := range []string{"Tandem.Core", "Tandem.Unity"} {
		found := false
		for _, r := range a.References {
			found = found || r == want
		}
		if !found {
			problems = append(problems, "Tandem.Samples.asmdef does not reference "+want)
		}
	}
	return problems
}

// checkProjectVersion: the project names a 2021.3-or-newer editor.
func checkProjectVersion(l layout, _ *assetIndex) []string {
	text, err := os.ReadFile(filepath.Join(l.project, "ProjectSettings", "ProjectVersion.txt"))
	if err != nil {
		return []string{err.Error()}
	}
	m := regexp.MustCompile(`(?m)^m_EditorVersion: (\d+)\.(\d+)\.\d+[abfp]\d+\r?$`).FindStringSubmatch(string(text))
	if m == nil {
		return []string{"ProjectVersion.txt: no m_EditorVersion like 2021.3.45f1"}
	}
	year, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if year < 2021 || year == 2021 && minor < 3 {
		return []string{fmt.Sprintf("ProjectVersion.txt: %s.%s is older than 2021.3", m[1], m[2])}
	}
	return nil
}

func rel(l layout, p string) string {
	if r, err := filepath.Rel(filepath.Dir(filepath.Dir(l.project)), p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

type assetCheck struct {
	name string
	run  func(layout, *assetIndex) []string
}

var assetChecks = []assetCheck{
	{"metas: one per asset and folder, 32-hex guids, unique, none orphaned", func(_ layout, idx *assetIndex) []string { return idx.problems }},
	{"scenes: Unity YAML whose objects and guids resolve", checkScenes},
	{"scenes: camera, light and NetworkManager", checkSceneContents},
	{"build settings: every scene by path and guid", checkBuildSettings},
	{"manifest: file: path to the package", checkManifest},
	{"asmdefs: parse and their references resolve", checkAsmdefs},
	{"asmdefs: the samples use Tandem.Core and Tandem.Unity", checkSampleAssembly},
	{"project version: 2021.3 or newer", checkProjectVersion},
}

func indexLayout(l layout) *assetIndex {
	return indexAssets(l.pkg, filepath.Join(l.project, "Assets"))
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
	assert.Empty(t, runChecks(clean), "an unbroken copy passes")

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := copyCheckout(t, repo)
			c.damage(t, filepath.Dir(filepath.Dir(l.project)))
			problems := runChecks(l)
			found := false
			for _, p := range problems {
				found = found || strings.Contains(p, c.want)
			}
			assert.True(t, found, "want a problem containing %q, got %q", c.want, problems)
		})
	}
}

func runChecks(l layout) []string {
	idx := indexLayout(l)
	var all []string
	for _, c := range assetChecks {
		all = append(all, c.run(l, idx)...)
	}
	return all
}

// copyCheckout copies the package and the project into a temp dir, in the
// same places relative to each other.
func copyCheckout(t *testing.T, from layout) layout {
	t.Helper()
	root := t.TempDir()
	to := layout{pkg: filepath.Join(root, "unity-client"), project: filepath.Join(root, "samples", "unity")}
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

// ---- the console sample --------------------------------------------------------------

var consoleBuild struct {
	once sync.Once
	dir  string
	exe  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if consoleBuild.dir != "" {
		_ = os.RemoveAll(consoleBuild.dir)
	}
	os.Exit(code)
}

// consoleExe returns Console.exe: TANDEM_CONSOLE_EXE if set (CI builds it
// with .ci/samples.sh), else built once with mcs from samples/console and the
// package's Core sources. Without Mono the test is skipped.
func consoleExe(t *testing.T) string {
	t.Helper()
	if exe := os.Getenv("TANDEM_CONSOLE_EXE"); exe != "" {
		require.FileExists(t, exe, "TANDEM_CONSOLE_EXE")
		if _, err := exec.LookPath("mono"); err != nil {
			t.Fatalf("TANDEM_CONSOLE_EXE is set but mono is not on PATH")
		}
		return exe
	}
	for _, tool := range []string{"mcs", "mono"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: the console sample needs Mono (apt-get install mono-devel, or run bash .ci/samples.sh); skipped", tool)
		}
	}
	l := repoLayout(t)
	consoleBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "tandem-console-")
		if err != nil {
			consoleBuild.err = err
			return
		}
		consoleBuild.dir = dir
		args := []string{"-langversion:7.2", "-nologo", "-warnaserror+", "-target:exe", "-out:" + filepath.Join(dir, "Console.exe")}
		err = filepath.WalkDir(filepath.Join(l.pkg, "Runtime", "Core"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".cs") {
				args = append(args, p)
			}
			return err
		})
		if err != nil {
			consoleBuild.err = err
			return
		}
		args = append(args, filepath.Join(filepath.Dir(l.project), "console", "Program.cs"))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "mcs", args...).CombinedOutput(); err != nil {
			consoleBuild.err = fmt.Errorf("mcs: %v\n%s", err, out)
			return
		}
		consoleBuild.exe = filepath.Join(dir, "Console.exe")
	})
	require.NoError(t, consoleBuild.err)
	return consoleBuild.exe
}

// syncBuffer collects a process's output while tests may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type consoleRun struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func startConsole(t *testing.T, ctx context.Context, exe string, args ...string) *consoleRun {
	t.Helper()
	r := &consoleRun{done: make(chan struct{})}
	r.cmd = exec.CommandContext(ctx, "mono", append([]string{exe}, args...)...)
	r.cmd.Stdout = &r.stdout
	r.cmd.Stderr = &r.stderr
	require.NoError(t, r.cmd.Start())
	go func() {
		r.err = r.cmd.Wait()
		close(r.done)
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("console stdout:\n%s\nconsole stderr:\n%s", r.stdout.String(), r.stderr.String())
		}
	})
	return r
}

func (r *consoleRun) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(limit):
		t.Fatalf("the console did not exit within %s", limit)
	}
	var exit *exec.ExitError
	if r.err == nil {
		return 0
	} else if errors.As(r.err, &exit) {
		return exit.ExitCode()
	}
	t.Fatalf("running the console: %v", r.err)
	return -1
}

// TestConsoleSampleEndToEnd runs the console against a real in-process
// server, next to a raw-protocol client that watches the room.
func TestConsoleSampleEndToEnd(t *testing.T) {
	exe := consoleExe(t)
	srv := servertest.Start(t)
	host, port, ok := strings.Cut(srv.Addr, ":")
	require.True(t, ok, srv.Addr)

	watcher := srv.Login(t, "watcher")
	watcher.Join("console-room")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := startConsole(t, ctx, exe, host, port, "console", "pw-console", "console-room", "--say", "hello", "--seconds", "3")

	// The watcher sees the console join, speak, and leave when it exits.
	join := watcher.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") && strings.HasSuffix(l, ":console-room") })
	id := strings.TrimSuffix(strings.TrimPrefix(join, "2:"), ":console-room")
	_, err := strconv.ParseInt(id, 10, 64)
	require.NoError(t, err, "join line %q", join)
	watcher.Skip(func(l string) bool { return l == "3:"+id+":hello" })

	require.Equal(t, 0, run.wait(t, 30*time.Second), "exit status")
	watcher.Skip(func(l string) bool { return l == "2:"+id+":" })

	out := run.stdout.String()
	// Names come with the member list (the join lines carry ids only).
	assert.Regexp(t, `members: (watcher #`+strconv.FormatInt(watcher.ID, 10)+`, console #`+id+`|console #`+id+`, watcher #`+strconv.FormatInt(watcher.ID, 10)+`)\n`, out)
	for _, want := range []string{
		"logged in as console (client id " + id + ")",
		"joined room console-room as console #" + id,
		"room console-room ready: 2 members, 0 objects, master ",
		"said to all: hello",
		"message from console #" + id + ": hello",
		"bye",
	} {
		assert.Contains(t, out, want)
	}
}

// TestConsoleSampleReportsObjects: the console prints objects from the join
// snapshot and what happens to them afterwards.
func TestConsoleSampleReportsObjects(t *testing.T) {
	exe := consoleExe(t)
	srv := servertest.Start(t)
	host, port, _ := strings.Cut(srv.Addr, ":")

	owner := srv.Login(t, "owner")
	owner.Join("objects-room")
	// An avatar in the snapshot: position [1.5, 0, 2] (float32s), as the bots send it.
	owner.Send("10:a1:Avatar:t:p:1:k8o/wAAAygAAAADKQAAAAA==")
	spawned := owner.ExpectPrefix("10:")
	objectID := strings.Split(spawned, ":")[1]

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := startConsole(t, ctx, exe, host, port, "viewer", "pw-viewer", "objects-room", "--seconds", "4")

	owner.Skip(func(l string) bool { return strings.HasPrefix(l, "2:") && strings.HasSuffix(l, ":objects-room") })
	owner.Send("11:" + objectID + ":1:1:1:k8pAAAAAygAAAADKQAAAAA==") // position [2, 0, 2], ordered
	owner.Send("15:" + objectID)
	owner.Skip(func(l string) bool { return l == "15:"+objectID })

	require.Equal(t, 0, run.wait(t, 30*time.Second), "exit status")
	out := run.stdout.String()
	for _, want := range []string{
		"object (snapshot) " + objectID + " Avatar (takeover, player object, owner ",
		"{0: [1.5, 0, 2]}",
		"update " + objectID + " (generation 1) {0: [2, 0, 2]}",
		"destroyed " + objectID + " Avatar",
	} {
		assert.Contains(t, out, want)
	}
}

func TestConsoleSampleFailures(t *testing.T) {
	exe := consoleExe(t)
	srv := servertest.Start(t)
	host, port, _ := strings.Cut(srv.Addr, ":")
	srv.Login(t, "taken") // the account now exists with the password pw-taken

	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no arguments", nil, 2, "usage: mono Console.exe HOST PORT USER PASSWORD ROOM"},
		{"port is not a number", []string{host, "x", "u", "p", "r"}, 2, "PORT must be a number"},
		{"unknown option", []string{host, port, "u", "p", "r", "--loud"}, 2, "unknown option --loud"},
		{"option without its value", []string{host, port, "u", "p", "r", "--seconds"}, 2, "--seconds needs a value"},
		{"nothing listens there", []string{"127.0.0.1", closedPort, "u", "p", "r", "--seconds", "20"}, 1, "FAILED: connection ended"},
		{"wrong password", []string{host, port, "taken", "not-the-password", "r", "--seconds", "20"}, 1, "FAILED: login refused: bad_credentials"},
		{"bad room name", []string{host, port, "roomless", "pw", "a,b", "--seconds", "20"}, 1, "FAILED: join refused: bad_room_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			run := startConsole(t, ctx, exe, c.args...)
			assert.Equal(t, c.code, run.wait(t, 30*time.Second), "exit status")
			assert.Contains(t, run.stdout.String()+run.stderr.String(), c.want)
		})
	}
}
