package postgres

import (
	"testing"

	"liftoff/notify/devices"
	"liftoff/store/storetest"
)

func TestDevicesContract(t *testing.T) {
	storetest.RunDevices(t, func(t *testing.T) devices.Store { return openTest(t, nil, Options{}) })
}

func TestMatrixLinksContract(t *testing.T) {
	storetest.RunMatrixLinks(t, openTest(t, nil, Options{}))
}
