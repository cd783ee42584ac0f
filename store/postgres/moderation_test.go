package postgres

import (
	"testing"

	"liftoff/moderation"
	"liftoff/moderation/moderationtest"
)

func TestModerationContract(t *testing.T) {
	moderationtest.Run(t, func(t *testing.T) moderation.Store { return openTest(t, nil, Options{}) })
}
