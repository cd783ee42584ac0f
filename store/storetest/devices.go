package storetest

import (
	"errors"
	"testing"
	"time"

	"liftoff/notify/devices"
)

// DevicesOpener opens a fresh, empty device store for one test, closed by
// t.Cleanup.
type DevicesOpener func(t *testing.T) devices.Store

// RunDevices is the contract suite of devices.Store: saving and replacing
// devices, a token moving to its latest registration, deleting by the
// user's token and by id, and listing by user and type.
func RunDevices(t *testing.T, open DevicesOpener) {
	s := open(t)
	ctx := t.Context()
	at := time.UnixMilli(1_700_000_000_000)
	dev := func(id, user, typ, token string) devices.Device {
		return devices.Device{ID: id, UserID: user, Type: typ, Token: token, AppName: "chat.rocket.ios", CreatedAt: at, UpdatedAt: at}
	}
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	ids := func(user string, types ...string) []string {
		t.Helper()
		ds, err := s.DevicesOfUser(ctx, user, types...)
		must(err, "DevicesOfUser")
		out := []string{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	same := func(got, want []string, what string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: got %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: got %v, want %v", what, got, want)
			}
		}
	}

	must(s.SaveDevice(ctx, dev("d1", "alice", devices.APN, "tok-1")), "save d1")
	d2 := dev("d2", "alice", devices.Web, "https://push.example/ep")
	d2.Keys, d2.CreatedAt = `{"p256dh":"k","auth":"a"}`, at.Add(time.Second)
	must(s.SaveDevice(ctx, d2), "save d2")
	must(s.SaveDevice(ctx, dev("d3", "bob", devices.GCM, "tok-3")), "save d3")
	got, err := s.Device(ctx, "d2")
	must(err, "Device")
	if got.ID != d2.ID || got.Keys != d2.Keys || !got.CreatedAt.Equal(d2.CreatedAt) || got.Token != d2.Token || got.UserID != d2.UserID || got.Type != d2.Type || got.AppName != d2.AppName {
		t.Fatalf("Device = %+v, want %+v", got, d2)
	}
	if _, err := s.Device(ctx, "nope"); !errors.Is(err, devices.ErrNotFound) {
		t.Fatalf("missing device: %v", err)
	}
	same(ids("alice"), []string{"d1", "d2"}, "alice's devices")
	same(ids("alice", devices.APN, devices.GCM), []string{"d1"}, "alice's mobile devices")
	same(ids("alice", devices.Web), []string{"d2"}, "alice's browsers")

	// The same token registered again (by another user, or under another
	// id) moves: the old registration goes.
	must(s.SaveDevice(ctx, dev("d4", "bob", devices.APN, "tok-1")), "save d4")
	same(ids("alice"), []string{"d2"}, "alice after her token moved")
	same(ids("bob"), []string{"d3", "d4"}, "bob after the token moved")
	// Saving under an existing id replaces that device.
	upd := dev("d4", "bob", devices.APN, "tok-4")
	upd.UpdatedAt = at.Add(time.Minute)
	must(s.SaveDevice(ctx, upd), "replace d4")
	got, err = s.Device(ctx, "d4")
	must(err, "Device d4")
	if got.Token != "tok-4" || !got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("replaced device: %+v", got)
	}

	n, err := s.DeleteUserToken(ctx, "alice", "tok-3")
	must(err, "DeleteUserToken of another user's token")
	if n != 0 {
		t.Fatalf("deleted %d of another user's devices", n)
	}
	n, err = s.DeleteUserToken(ctx, "bob", "tok-3")
	must(err, "DeleteUserToken")
	if n != 1 {
		t.Fatalf("DeleteUserToken = %d, want 1", n)
	}
	must(s.DeleteDevice(ctx, "d2"), "DeleteDevice")
	must(s.DeleteDevice(ctx, "d2"), "DeleteDevice again")
	same(ids("alice"), []string{}, "alice at the end")
	same(ids("bob"), []string{"d4"}, "bob at the end")
}
