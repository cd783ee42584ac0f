package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	cases := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{}, 2, "choose exactly one of -scenario, -suite and -config"},
		{[]string{"-scenario", "chat", "-suite", "standard"}, 2, "choose exactly one"},
		{[]string{"-scenario", "nope"}, 2, "unknown scenario"},
		{[]string{"-suite", "huge"}, 2, "unknown suite"},
		{[]string{"-scenario", "chat", "-users", "3", "-senders", "5"}, 2, "5 senders but only 3 users"},
		{[]string{"-scenario", "chat", "-source-ips", "127.0.0.9-127.0.0.1"}, 2, "only the last octet may vary"},
		{[]string{"-config", "/nonexistent/suite.json"}, 2, "read suite"},
		{[]string{"-h"}, 0, "usage: liftoff-bench"},
		// A server that does not answer is a failed run, not a usage error.
		{[]string{"-scenario", "chat", "-url", "http://127.0.0.1:1", "-quiet"}, 1, "server at http://127.0.0.1:1"},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := run(c.args, &out, &errb)
		if code != c.code || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, errb.String(), c.code, c.msg)
		}
	}
}
