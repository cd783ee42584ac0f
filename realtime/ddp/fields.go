package ddp

import (
	"reflect"
	"slices"
	"strings"
	"unicode"

	"liftoff/internal/jsonenc"
)

// structField is one JSON member of a struct type, after resolving
// embedded structs and tags as encoding/json does.
type structField struct {
	name      string
	tagged    bool  // the name came from a tag
	index     []int // path of field indexes from the outer struct
	typ       reflect.Type
	omitEmpty bool
	omitZero  bool
	quoted    bool // the ",string" option

	prefix []byte                   // `"name":`, escaped once
	enc    encoderFunc              // encoder of typ
	isZero func(reflect.Value) bool // for omitzero
}

func newStructEncoder(t reflect.Type) encoderFunc {
	fields := structFields(t)
	for i := range fields {
		f := &fields[i]
		f.prefix = append(jsonenc.AppendString(nil, f.name), ':')
		f.enc = encoderFor(f.typ)
		if f.quoted {
			f.enc = quotedEncoder(f.typ, f.enc)
		}
		if f.omitZero {
			f.isZero = zeroFunc(f.typ)
		}
	}
	return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		b = append(b, '{')
		first := true
		var err error
	next:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, x := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						// Fields promoted through a nil embedded pointer are absent.
						continue next
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			if f.omitEmpty && isEmptyValue(fv) || f.omitZero && f.isZero(fv) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, f.prefix...)
			if b, err = f.enc(b, fv, depth); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

// isEmptyValue reports whether omitempty leaves v out: false, 0, "", nil,
// empty collections, and (unlike encoding/json) zero times.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.Struct:
		if t := v.Type(); t == modelTimeType || t == timeType {
			return v.IsZero()
		}
	}
	return false
}

// zeroFunc returns the omitzero test of t: its IsZero method when it has
// one, otherwise comparison with the zero value.
func zeroFunc(t reflect.Type) func(reflect.Value) bool {
	switch {
	case t == modelTimeType || t == timeType:
		return reflect.Value.IsZero
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) bool {
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(isZeroerType):
		return func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() }
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) bool {
			if !v.CanAddr() {
				// Calling a pointer method needs an addressable copy.
				c := reflect.New(t).Elem()
				c.Set(v)
				v = c
			}
			return v.Addr().Interface().(interface{ IsZero() bool }).IsZero()
		}
	default:
		return reflect.Value.IsZero
	}
}

// quotedEncoder implements the ",string" tag option: scalars are written
// inside a JSON string. Other kinds ignore the option, as in encoding/json.
func quotedEncoder(t reflect.Type, enc encoderFunc) encoderFunc {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
			b = append(b, '"')
			b, err := enc(b, v, depth)
			if err != nil {
				return b, err
			}
			return append(b, '"'), nil
		}
	case reflect.String:
		return func(b []byte, v reflect.Value, _ int) ([]byte, error) {
			inner := jsonenc.AppendString(nil, v.String())
			return jsonenc.AppendString(b, string(inner)), nil
		}
	}
	return enc
}

// structFields lists the JSON members of struct type t, applying Go's
// rules for promoted fields: a shallower field hides deeper ones of the same
// name; at equal depth a tagged field wins, and otherwise the name is
// ambiguous and left out.
func structFields(t reflect.Type) []structField {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var (
		found   []structField
		current []level
		next    = []level{{typ: t}}
		seen    = map[reflect.Type]bool{}
	)
	for len(next) > 0 {
		current, next = next, nil
		// Count how often each embedded type occurs at this depth: a
		// type embedded twice at the same depth contributes nothing.
		count := map[reflect.Type]int{}
		for _, l := range current {
			count[l.typ]++
		}
		for _, l := range current {
			if seen[l.typ] {
				continue
			}
			seen[l.typ] = true
			for i := 0; i < l.typ.NumField(); i++ {
				sf := l.typ.Field(i)
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clip(l.index), i)
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, level{typ: ft, index: index})
					continue
				}
				f := structField{
					name:   name,
					tagged: name != "",
					index:  index,
					typ:    sf.Type,
				}
				if f.name == "" {
					f.name = sf.Name
				}
				for opt := range strings.SplitSeq(opts, ",") {
					switch opt {
					case "omitempty":
						f.omitEmpty = true
					case "omitzero":
						f.omitZero = true
					case "string":
						f.quoted = true
					}
				}
				found = append(found, f)
				if count[l.typ] > 1 {
					// A duplicate annihilates the name below.
					found = append(found, f)
				}
			}
		}
	}

	// Group by name, best candidate first, then keep the dominant one.
	slices.SortStableFunc(found, func(a, b structField) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if len(a.index) != len(b.index) {
			return len(a.index) - len(b.index)
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := make([]structField, 0, len(found))
	for i := 0; i < len(found); {
		j := i + 1
		for j < len(found) && found[j].name == found[i].name {
			j++
		}
		group := found[i:j]
		i = j
		if len(group) == 1 {
			out = append(out, group[0])
			continue
		}
		depth := len(group[0].index)
		if len(group[1].index) > depth || group[0].tagged && !group[1].tagged {
			out = append(out, group[0])
		}
	}
	slices.SortFunc(out, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return out
}

// validTagName reports whether a tag's name part may be used as a key.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
