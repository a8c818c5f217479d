// Package unityassets checks a Unity package and a Unity project the way the
// Unity Editor reads them, without Unity: one .meta with a unique guid per
// asset and folder (Unity imports only the package and the project's Assets/),
// scenes whose objects and guids resolve, build settings, the package
// manifest, assembly definitions and the project version. The samples' tests
// run it on unity-client and samples/unity.
package unityassets

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ---- the asset check ----------------------------------------------------------------

// Layout is a checkout laid out like the repository: the package and the sample project.
type Layout struct {
	pkg     string // unity-client
	project string // samples/unity
}

// NewLayout names the package folder (with package.json) and the Unity project folder.
func NewLayout(pkg, project string) Layout { return Layout{pkg: pkg, project: project} }

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
func checkScenes(l Layout, idx *assetIndex) []string {
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

func sceneFiles(l Layout, idx *assetIndex) []string {
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
func checkSceneContents(l Layout, idx *assetIndex) []string {
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
func checkBuildSettings(l Layout, idx *assetIndex) []string {
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
func checkManifest(l Layout, _ *assetIndex) []string {
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
func checkAsmdefs(l Layout, idx *assetIndex) []string {
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
func checkSampleAssembly(l Layout, _ *assetIndex) []string {
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
func checkProjectVersion(l Layout, _ *assetIndex) []string {
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

func rel(l Layout, p string) string {
	if r, err := filepath.Rel(filepath.Dir(filepath.Dir(l.project)), p); err == nil {
		return filepath.ToSlash(r)
	}
	return p
}

type assetCheck struct {
	name string
	run  func(Layout, *assetIndex) []string
}

var assetChecks = []assetCheck{
	{"metas: one per asset and folder, 32-hex guids, unique, none orphaned", func(_ Layout, idx *assetIndex) []string { return idx.problems }},
	{"scenes: Unity YAML whose objects and guids resolve", checkScenes},
	{"scenes: camera, light and NetworkManager", checkSceneContents},
	{"build settings: every scene by path and guid", checkBuildSettings},
	{"manifest: file: path to the package", checkManifest},
	{"asmdefs: parse and their references resolve", checkAsmdefs},
	{"asmdefs: the samples use Tandem.Core and Tandem.Unity", checkSampleAssembly},
	{"project version: 2021.3 or newer", checkProjectVersion},
}

func indexLayout(l Layout) *assetIndex {
	return indexAssets(l.pkg, filepath.Join(l.project, "Assets"))
}

// Check runs every check on a checkout and returns the problems found (none: Unity
// would import the package and the project as they are).
func Check(l Layout) []string {
	idx := indexLayout(l)
	var all []string
	for _, c := range assetChecks {
		all = append(all, c.run(l, idx)...)
	}
	return all
}
