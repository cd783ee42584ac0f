package sqlite

import (
	"testing"

	"liftoff/invites"
	"liftoff/invites/invitestest"
)

func TestInvitesContract(t *testing.T) {
	invitestest.Run(t, func(t *testing.T) invites.Store { return openTest(t, nil, Options{Synchronous: "NORMAL"}) })
}
