package protocol_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tandemnet/tandem/protocol"
	"github.com/tandemnet/tandem/protocol/vectors"
)

// constNames returns the names of the package's constants that start with
// one of the prefixes, read from its source.
func constNames(t *testing.T, prefixes ...string) []string {
	t.Helper()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", nil, 0)
	require.NoError(t, err)
	var out []string
	for _, f := range pkgs["protocol"].Files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					for _, p := range prefixes {
						if strings.HasPrefix(n.Name, p) {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestCatalogHasEveryConstant(t *testing.T) {
	var nums []string
	for _, n := range protocol.MessageNumbers() {
		nums = append(nums, "Num"+n.Name)
	}
	sort.Strings(nums)
	assert.Equal(t, constNames(t, "Num"), nums, "every Num constant is in MessageNumbers")

	codes := map[protocol.Code]bool{}
	for _, c := range append(protocol.ErrorCodes(), protocol.ClosingCodes()...) {
		codes[c] = true
	}
	assert.Len(t, codes, len(constNames(t, "Code", "Close")), "every Code and Close constant is in ErrorCodes or ClosingCodes")
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
	assert.Equal(t, wantCodes, gotCodes, "code vectors")
}
