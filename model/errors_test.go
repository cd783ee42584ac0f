package model

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestErrorConstructorsSetKind(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		kind Kind
	}{
		{Invalid("error-invalid-params", "bad %s", "x"), KindInvalid},
		{NotFound("error-room-not-found", "no room"), KindNotFound},
		{Conflict("error-duplicate-channel-name", "taken"), KindConflict},
		{Forbidden("error-not-allowed", "Not allowed"), KindForbidden},
		{Unauthenticated("403", "User not found"), KindUnauthenticated},
		{TooLarge("error-request-too-large", "too big"), KindTooLarge},
		{RateLimited("error-too-many-requests", "slow down"), KindRateLimited},
		{Bare(KindNotFound, "team-does-not-exist"), KindNotFound},
		{&Error{Type: "plain"}, KindInvalid},
	} {
		if c.err.Kind != c.kind {
			t.Errorf("%s: kind %v, want %v", c.err.Type, c.err.Kind, c.kind)
		}
		if k, ok := KindOf(fmt.Errorf("wrapped: %w", c.err)); !ok || k != c.kind {
			t.Errorf("%s: KindOf through a wrap = %v, %v", c.err.Type, k, ok)
		}
	}
	if got := Invalid("error-invalid-params", "bad %s", "x").Error(); got != "bad x [error-invalid-params]" {
		t.Errorf("Error() = %q", got)
	}
	if got := Bare(KindNotFound, "team-does-not-exist").Error(); got != "team-does-not-exist" {
		t.Errorf("bare Error() = %q", got)
	}
	if _, ok := KindOf(errors.New("internal")); ok {
		t.Error("KindOf found a kind in a plain error")
	}
	if KindRateLimited.String() != "rate limited" || Kind(200).String() != "Kind(200)" {
		t.Error("Kind.String")
	}
}

func TestMethodDetails(t *testing.T) {
	plain := Forbidden("error-not-allowed", "Not allowed").WithDetails(map[string]any{"action": "x"})
	if got := plain.MethodDetails("leaveRoom"); !reflect.DeepEqual(got, map[string]any{"action": "x"}) {
		t.Errorf("unmarked error gained details: %v", got)
	}
	marked := plain.InMethod()
	if plain.NamesMethod || !marked.NamesMethod {
		t.Fatal("InMethod must mark a copy")
	}
	if got := marked.MethodDetails("leaveRoom"); !reflect.DeepEqual(got, map[string]any{"action": "x", "method": "leaveRoom"}) {
		t.Errorf("marked: %v", got)
	}
	if _, ok := marked.Details["method"]; ok {
		t.Error("MethodDetails modified the error's own details")
	}
	named := Forbidden("error-not-allowed", "Not allowed").WithDetails(map[string]any{"method": "own"}).InMethod()
	if got := named.MethodDetails("other"); got["method"] != "own" {
		t.Errorf("a method the error names itself was replaced: %v", got)
	}
	if got := Invalid("x", "y").InMethod().MethodDetails("m"); !reflect.DeepEqual(got, map[string]any{"method": "m"}) {
		t.Errorf("no details: %v", got)
	}
}
