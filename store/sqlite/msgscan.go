package sqlite

import (
	"liftoff/model"
	"liftoff/store/internal/msgjson"
)

// scanMessage reads a message's data column (see msgjson for why not
// encoding/json).
func scanMessage(s scanner) (*model.Message, error) {
	var data []byte
	if err := s.Scan(&data); err != nil {
		return nil, err
	}
	return msgjson.Decode(data)
}
