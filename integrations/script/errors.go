package script

import (
	"errors"
	"fmt"
)

// Kind classifies why a script call failed.
type Kind string

// Failure kinds.
const (
	KindSyntax   Kind = "syntax"   // the script does not compile
	KindEvaluate Kind = "evaluate" // evaluating it failed (it threw, or defines no Script class)
	KindThrow    Kind = "throw"    // the called method threw or its promise was rejected
	KindCPU      Kind = "cpu"      // it used more CPU time than allowed
	KindMemory   Kind = "memory"   // it allocated more memory than allowed
	KindTimeout  Kind = "timeout"  // the call outlived its wall-clock limit or its context
	KindResult   Kind = "result"   // its result cannot be returned (too large, not JSON, a promise never settled)
	KindInput    Kind = "input"    // the call's input is larger than allowed
	KindCrash    Kind = "crash"    // the worker process died
	KindDisabled Kind = "disabled" // scripts are disabled on this server
)

// Error is a failed script call. Name, Message and Stack follow the
// JavaScript error when there is one (Rocket.Chat keeps them as
// scriptError and in integrations.history's errorStack).
type Error struct {
	Kind    Kind   `json:"kind"`
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

func (e *Error) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("script %s: %s: %s", e.Kind, e.Name, e.Message)
	}
	return fmt.Sprintf("script %s: %s", e.Kind, e.Message)
}

// KindOf returns the Kind of a script error, "" for any other error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
