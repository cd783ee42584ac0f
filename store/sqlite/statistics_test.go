package sqlite

import (
	"testing"

	"liftoff/statistics"
	"liftoff/statistics/statstest"
)

func TestStatisticsContract(t *testing.T) {
	statstest.Run(t, func(t *testing.T) statistics.Store { return openTest(t, nil, Options{Synchronous: "NORMAL"}) })
}
