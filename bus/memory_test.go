package bus_test

import (
	"testing"

	"liftoff/bus"
	"liftoff/bus/bustest"
)

func TestMemoryContract(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bus.Bus { return bus.NewMemory(64) })
}
