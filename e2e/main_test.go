package e2e

import (
	"os"
	"testing"

	"liftoff/integrations/script"
)

// TestMain lets this test binary serve as the integration-script worker
// the in-process servers start (script.RunWorkerIfChild), as the liftoff
// binary does.
func TestMain(m *testing.M) {
	script.RunWorkerIfChild()
	os.Exit(m.Run())
}
