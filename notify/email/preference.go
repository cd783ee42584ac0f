package email

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrBadToken is returned for a preference token that is malformed, forged
// or expired.
var ErrBadToken = errors.New("email: invalid or expired preference token")

// PreferenceToken signs (user, room, expiry) for the one-click link of a
// notification e-mail: the endpoint that receives it (built by the wiring
// layer) sets the user's e-mail preference for the room (or, with an empty
// room, their emailNotificationMode) to "nothing" without a login. key is
// a server secret of at least 32 bytes.
func PreferenceToken(key []byte, userID, roomID string, expires time.Time) string {
	payload := userID + "\n" + roomID + "\n" + strconv.FormatInt(expires.Unix(), 10)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(sign(key, payload))
}

// ParsePreferenceToken checks a token made by PreferenceToken and returns
// its user and room.
func ParsePreferenceToken(key []byte, token string, now time.Time) (userID, roomID string, err error) {
	enc := base64.RawURLEncoding
	p, s, ok := strings.Cut(token, ".")
	if !ok {
		return "", "", ErrBadToken
	}
	payload, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(s)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, sign(key, string(payload))) {
		return "", "", ErrBadToken
	}
	parts := strings.Split(string(payload), "\n")
	if len(parts) != 3 {
		return "", "", ErrBadToken
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || now.Unix() > exp || parts[0] == "" {
		return "", "", ErrBadToken
	}
	return parts[0], parts[1], nil
}

func sign(key []byte, payload string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("liftoff email preference\n"))
	h.Write([]byte(payload))
	return h.Sum(nil)
}
