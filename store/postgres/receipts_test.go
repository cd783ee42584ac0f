package postgres

import (
	"testing"

	"liftoff/receipts/receiptstest"
)

func TestReceiptsContract(t *testing.T) {
	receiptstest.Run(t, func(t *testing.T) receiptstest.Store { return openTest(t, nil, Options{}) })
}
