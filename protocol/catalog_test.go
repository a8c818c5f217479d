package protocol_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/vectors"
)

// constValues returns the values of the package's constants whose names
// start with one of the prefixes, read from its source, by name.
func constValues(t *testing.T, prefixes ...string) map[string]string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", nil, 0)
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range pkgs["protocol"].Files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					for _, p := range prefixes {
						if strings.HasPrefix(n.Name, p) && i < len(vs.Values) {
							lit, ok := vs.Values[i].(*ast.BasicLit)
							require.True(t, ok, "%s is a literal", n.Name)
							out[n.Name] = strings.Trim(lit.Value, `"`)
						}
					}
				}
			}
		}
	}
	return out
}

func TestCatalogHasEveryConstant(t *testing.T) {
	nums := map[string]string{}
	for _, n := range protocol.MessageNumbers() {
		nums["Num"+n.Name] = strconv.Itoa(n.Num)
	}
	assert.Equal(t, constValues(t, "Num"), nums, "every Num constant is in MessageNumbers")

	catalogued := map[string]bool{}
	for _, c := range append(append(protocol.ErrorCodes(), protocol.ClosingCodes()...), protocol.RoomClosedCodes()...) {
		catalogued[string(c)] = true
	}
	for name, v := range constValues(t, "Code", "Close", "RoomClosed") {
		assert.True(t, catalogued[v], "%s (%q) is in ErrorCodes, ClosingCodes or RoomClosedCodes", name, v)
	}
}

func TestVectorsListTheCatalog(t *testing.T) {
	vs, err := vectors.Load("number")
	require.NoError(t, err)
	got := map[string]int{}
	for _, v := range vs {
		n, err := strconv.Atoi(v.Fields[1])
		require.NoError(t, err)
		got[v.Fields[0]] = n
	}
	want := map[string]int{}
	for _, n := range protocol.MessageNumbers() {
		want[n.Name] = n.Num
	}
	assert.Equal(t, want, got, "number vectors")

	vs, err = vectors.Load("code")
	require.NoError(t, err)
	gotCodes := map[string]bool{}
	for _, v := range vs {
		gotCodes[v.Fields[0]+" "+v.Fields[1]] = true
	}
	wantCodes := map[string]bool{}
	for _, c := range protocol.ErrorCodes() {
		wantCodes[string(c)+" error"] = true
	}
	for _, c := range protocol.ClosingCodes() {
		wantCodes[string(c)+" closing"] = true
	}
	for _, c := range protocol.RoomClosedCodes() {
		wantCodes[string(c)+" roomclosed"] = true
	}
	assert.Equal(t, wantCodes, gotCodes, "code vectors")
}
