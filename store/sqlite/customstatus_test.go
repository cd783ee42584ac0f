package sqlite

import (
	"testing"

	"liftoff/userstatus"
	"liftoff/userstatus/statustest"
)

func TestCustomUserStatusContract(t *testing.T) {
	statustest.Run(t, func(t *testing.T) userstatus.Store { return openTest(t, nil, Options{Synchronous: "NORMAL"}) })
}
