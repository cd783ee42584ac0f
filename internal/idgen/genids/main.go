// Command genids writes the setting or permission id constants (see
// package liftoff/internal/idgen). It runs through go generate:
//
//	go run liftoff/internal/idgen/genids -ids settings -o ids.go
//	go run liftoff/internal/idgen/genids -ids permissions -o ids.go
package main

import (
	"flag"
	"fmt"
	"os"

	"liftoff/internal/idgen"
)

func main() {
	which := flag.String("ids", "", "settings or permissions")
	out := flag.String("o", "ids.go", "file to write")
	flag.Parse()
	src, err := generate(*which)
	if err == nil {
		err = os.WriteFile(*out, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genids:", err)
		os.Exit(1)
	}
}

func generate(which string) ([]byte, error) {
	switch which {
	case "settings":
		return idgen.SettingsSource()
	case "permissions":
		return idgen.PermissionsSource()
	}
	return nil, fmt.Errorf("-ids must be settings or permissions, not %q", which)
}
