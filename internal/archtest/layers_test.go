package archtest

import (
	"go/ast"
	"go/types"
	"strings"
	"testing"
)

// transports are the packages that speak a wire protocol; they consume the
// services through interfaces they declare themselves.
var transports = []string{"liftoff/api", "liftoff/ddpapi", "liftoff/realtime"}

// domain are the packages that must know nothing of the transports.
var domain = []string{"liftoff/chat", "liftoff/presence", "liftoff/auth", "liftoff/access", "liftoff/settings", "liftoff/model", "liftoff/store"}

// httpClients are packages under the domain roots whose job is to speak
// HTTP to an outside system (an OAuth provider, a SAML identity provider):
// they may import net/http, never a transport of ours.
var httpClients = []string{"liftoff/auth/oauth", "liftoff/auth/saml"}

func under(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+"/") {
			return true
		}
	}
	return false
}

// TestTransportsDependOnInterfaces fails when a transport imports the store
// or names a concrete service type (a non-interface type of another
// package of the module with a method that takes a context): transports
// declare the narrow interfaces they consume, as realtime/config.go does.
func TestTransportsDependOnInterfaces(t *testing.T) {
	fset, pkgs := load(t)
	seen := 0
	for _, p := range pkgs {
		if !under(p.Path, transports) {
			continue
		}
		seen++
		for _, imp := range p.Imports {
			if under(imp, []string{"liftoff/store"}) {
				t.Errorf("%s imports %s", p.Path, imp)
			}
		}
		for id, obj := range p.Info.Uses {
			tn, ok := obj.(*types.TypeName)
			if !ok || tn.Pkg() == nil || tn.Pkg() == p.Types || !strings.HasPrefix(tn.Pkg().Path(), modulePath+"/") {
				continue
			}
			if under(tn.Pkg().Path(), transports) {
				continue // one transport building on another (ddpapi on realtime)
			}
			if isService(tn.Type()) {
				t.Errorf("%s: %s names the concrete service %s.%s; declare the interface it needs",
					fset.Position(id.Pos()), p.Path, tn.Pkg().Name(), tn.Name())
			}
		}
	}
	if seen < len(transports) {
		t.Fatalf("found %d of the %d transport packages", seen, len(transports))
	}
}

// isService reports whether t is a concrete named type with a method whose
// first parameter is a context.Context.
func isService(t types.Type) bool {
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	if _, iface := named.Underlying().(*types.Interface); iface {
		return false
	}
	ms := types.NewMethodSet(types.NewPointer(named))
	for i := 0; i < ms.Len(); i++ {
		sig, ok := ms.At(i).Type().(*types.Signature)
		if !ok || sig.Params().Len() == 0 {
			continue
		}
		if n, ok := sig.Params().At(0).Type().(*types.Named); ok && n.Obj().Pkg() != nil &&
			n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context" {
			return true
		}
	}
	return false
}

// TestDomainKnowsNoTransport fails when a domain package imports a transport.
func TestDomainKnowsNoTransport(t *testing.T) {
	_, pkgs := load(t)
	for _, p := range pkgs {
		if !under(p.Path, domain) {
			continue
		}
		for _, imp := range p.Imports {
			if under(imp, transports) || (under(imp, []string{"net/http"}) && !under(p.Path, httpClients)) {
				t.Errorf("%s imports %s", p.Path, imp)
			}
		}
	}
}

// TestIsService keeps the rule above honest: the chat areas are services,
// their input types are not.
func TestIsService(t *testing.T) {
	_, pkgs := load(t)
	for _, p := range pkgs {
		if p.Path != "liftoff/chat" {
			continue
		}
		for name, want := range map[string]bool{"Rooms": true, "Accounts": true, "UserLookup": false, "SendInput": false} {
			obj := p.Types.Scope().Lookup(name)
			if obj == nil || isService(obj.Type()) != want {
				t.Errorf("isService(chat.%s) = %v, want %v", name, !want, want)
			}
		}
		return
	}
	t.Fatal("package chat not loaded")
}

// TestServicesCarryNoWireNames fails when a type of the chat services
// carries JSON tags: the transports render results in their own names
// (package model's records are Rocket.Chat's documents and keep theirs).
func TestServicesCarryNoWireNames(t *testing.T) {
	fset, pkgs := load(t)
	for _, p := range pkgs {
		if p.Path != "liftoff/chat" {
			continue
		}
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				field, ok := n.(*ast.Field)
				if ok && field.Tag != nil && strings.Contains(field.Tag.Value, "json:") {
					t.Errorf("%s: a chat type carries the wire tag %s", fset.Position(field.Pos()), field.Tag.Value)
				}
				return true
			})
		}
	}
}
