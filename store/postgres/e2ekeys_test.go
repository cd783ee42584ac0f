package postgres

import (
	"testing"

	"liftoff/e2ee"
	"liftoff/e2ee/e2eetest"
)

func TestE2EKeyStoreContract(t *testing.T) {
	e2eetest.Run(t, func(t *testing.T) e2ee.KeyStore { return openTest(t, nil, Options{}) })
}
