package mongodump

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// AppendJSON appends doc as plain JSON, the form Rocket.Chat's REST API
// gives its records: dates become ISO-8601 strings with milliseconds
// ("2024-05-01T10:00:00.000Z"), ObjectIds their hex string, 64-bit integers
// and decimals numbers, binary data base64 strings; undefined, MinKey and
// MaxKey become null. Decoding the result with encoding/json into Liftoff's
// model types, whose JSON names are Rocket.Chat's field names, converts a
// Rocket.Chat document into a Liftoff record.
//
// A malformed document is an error, never a panic: the bson package's value
// accessors panic on truncated values that its document validation lets
// through (FuzzCursor found one), so they are guarded here.
func AppendJSON(b []byte, doc bson.Raw) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = b, fmt.Errorf("malformed document: %v", r)
		}
	}()
	return appendDocument(b, doc)
}

func appendDocument(b []byte, doc bson.Raw) ([]byte, error) {
	elems, err := doc.Elements()
	if err != nil {
		return b, err
	}
	b = append(b, '{')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.Key())
		b = append(b, ':')
		v := e.Value()
		if err := v.Validate(); err != nil {
			return b, fmt.Errorf("%s: %w", e.Key(), err)
		}
		if b, err = appendValue(b, v); err != nil {
			return b, fmt.Errorf("%s: %w", e.Key(), err)
		}
	}
	return append(b, '}'), nil
}

func appendValue(b []byte, v bson.RawValue) ([]byte, error) {
	switch v.Type {
	case bson.TypeDouble:
		f := v.Double()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, "null"...), nil
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64), nil
	case bson.TypeString:
		return appendString(b, v.StringValue()), nil
	case bson.TypeSymbol:
		return appendString(b, v.Symbol()), nil
	case bson.TypeJavaScript:
		return appendString(b, v.JavaScript()), nil
	case bson.TypeEmbeddedDocument:
		return appendDocument(b, v.Document())
	case bson.TypeArray:
		vals, err := v.Array().Values()
		if err != nil {
			return b, err
		}
		b = append(b, '[')
		for i, x := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			if err := x.Validate(); err != nil {
				return b, err
			}
			if b, err = appendValue(b, x); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case bson.TypeBinary:
		_, data := v.Binary()
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, data)
		return append(b, '"'), nil
	case bson.TypeObjectID:
		return appendString(b, v.ObjectID().Hex()), nil
	case bson.TypeBoolean:
		return strconv.AppendBool(b, v.Boolean()), nil
	case bson.TypeDateTime:
		t := time.UnixMilli(v.DateTime()).UTC()
		b = append(b, '"')
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		return append(b, '"'), nil
	case bson.TypeInt32:
		return strconv.AppendInt(b, int64(v.Int32()), 10), nil
	case bson.TypeInt64:
		return strconv.AppendInt(b, v.Int64(), 10), nil
	case bson.TypeTimestamp:
		t, _ := v.Timestamp()
		return strconv.AppendInt(b, int64(t), 10), nil
	case bson.TypeDecimal128:
		// Decimal128's String gives "Infinity" and "NaN" too, which
		// ParseFloat accepts but JSON has no numbers for (FuzzCursor).
		s := v.Decimal128().String()
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return append(b, "null"...), nil
		}
		if !json.Valid([]byte(s)) {
			return strconv.AppendFloat(b, f, 'g', -1, 64), nil
		}
		return append(b, s...), nil
	case bson.TypeRegex:
		p, _ := v.Regex()
		return appendString(b, p), nil
	case bson.TypeNull, bson.TypeUndefined, bson.TypeMinKey, bson.TypeMaxKey, bson.TypeDBPointer, bson.TypeCodeWithScope:
		return append(b, "null"...), nil
	}
	return b, fmt.Errorf("unknown BSON type %#x", byte(v.Type))
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // HTML-escaping is harmless, and valid UTF-8 is guaranteed
	return append(b, q...)
}
