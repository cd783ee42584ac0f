package api

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"liftoff/settings"
	"liftoff/store"
)

func TestParseSort(t *testing.T) {
	allowed := []string{"ts", "name", "_updatedAt"}
	cases := []struct {
		in      string
		want    []store.SortKey
		wantErr bool
	}{
		{`{"ts":-1}`, []store.SortKey{{Field: "ts", Desc: true}}, false},
		{`{"name":1,"ts":-1}`, []store.SortKey{{Field: "name"}, {Field: "ts", Desc: true}}, false},
		{`{"ts":-1,"name":1}`, []store.SortKey{{Field: "ts", Desc: true}, {Field: "name"}}, false}, // key order is kept
		{`{}`, nil, false},
		{`{"password":1}`, nil, true}, // not an allowed field
		{`{"ts":2}`, nil, true},       // direction must be 1 or -1
		{`{"ts":"asc"}`, nil, true},
		{`["ts"]`, nil, true},
		{`{"ts":-1`, nil, true},
		{`garbage`, nil, true},
	}
	for _, c := range cases {
		got, err := parseSort(c.in, allowed)
		if (err != nil) != c.wantErr {
			t.Fatalf("parseSort(%s): err = %v, want error %v", c.in, err, c.wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, c.want) {
			t.Fatalf("parseSort(%s) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestPage(t *testing.T) {
	reg := settings.NewRegistry(settings.Defaults())
	srv := &Server{settings: reg}
	def := []store.SortKey{{Field: "ts", Desc: true}}
	cases := []struct {
		query   string
		want    store.Page
		wantErr bool
	}{
		{"", store.Page{Offset: 0, Count: 50, Sort: def}, false}, // API_Default_Count
		{"count=10&offset=20", store.Page{Offset: 20, Count: 10, Sort: def}, false},
		{"count=100000", store.Page{Count: 100, Sort: def}, false}, // capped at API_Upper_Count_Limit
		{"count=0", store.Page{Count: 100, Sort: def}, false},      // 0 asks for the most allowed
		{`sort={"name":1}`, store.Page{Count: 50, Sort: []store.SortKey{{Field: "name"}}}, false},
		{"count=-1", store.Page{}, true},
		{"offset=-5", store.Page{}, true},
		{"count=ten", store.Page{}, true},
		{`sort={"secret":1}`, store.Page{}, true},
	}
	for _, c := range cases {
		hr := httptest.NewRequest("GET", "/api/v1/x?"+strings.ReplaceAll(c.query, `"`, "%22"), nil)
		r := &Request{ctx: hr.Context(), HTTP: hr, query: hr.URL.Query(), srv: srv}
		got, err := r.Page(def, "ts", "name")
		if (err != nil) != c.wantErr {
			t.Fatalf("Page(%q): err = %v, want error %v", c.query, err, c.wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, c.want) {
			t.Fatalf("Page(%q) = %+v, want %+v", c.query, got, c.want)
		}
	}
}

func TestParamsFromBodyAndQuery(t *testing.T) {
	body := `{"name":"dev","members":["a","b"],"readOnly":true,"count":"7","csv":"x, y,,z","bad":5}`
	hr := httptest.NewRequest("POST", "/api/v1/x?q=1&flag=false&list=a,b", strings.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	r := &Request{ctx: hr.Context(), HTTP: hr, query: hr.URL.Query()}
	if err := r.readBody(1 << 20); err != nil {
		t.Fatal(err)
	}
	if s, err := r.String("name"); err != nil || s != "dev" {
		t.Fatalf("String(name) = %q, %v", s, err)
	}
	if _, err := r.String("bad"); err == nil {
		t.Fatal("a number accepted as a string")
	}
	if s, _ := r.String("q"); s != "1" {
		t.Fatalf("query fallback = %q", s)
	}
	if _, err := r.RequireString("missing"); err == nil {
		t.Fatal("missing required param accepted")
	}
	if b, err := r.Bool("readOnly", false); err != nil || !b {
		t.Fatalf("Bool(readOnly) = %v, %v", b, err)
	}
	if b, err := r.Bool("flag", true); err != nil || b {
		t.Fatalf("Bool(flag) from query = %v, %v", b, err)
	}
	if _, err := r.Bool("name", false); err == nil {
		t.Fatal("a string accepted as a boolean")
	}
	if n, err := r.Int("count", 0); err != nil || n != 7 {
		t.Fatalf("Int(count) = %d, %v", n, err)
	}
	if l, err := r.Strings("members"); err != nil || !reflect.DeepEqual(l, []string{"a", "b"}) {
		t.Fatalf("Strings(members) = %v, %v", l, err)
	}
	if l, err := r.Strings("csv"); err != nil || !reflect.DeepEqual(l, []string{"x", "y", "z"}) {
		t.Fatalf("Strings(csv) = %v, %v", l, err)
	}
	if l, err := r.Strings("list"); err != nil || !reflect.DeepEqual(l, []string{"a", "b"}) {
		t.Fatalf("Strings(list) from query = %v, %v", l, err)
	}
	if _, err := r.Strings("bad"); err == nil {
		t.Fatal("a number accepted as a list")
	}
}

func TestBodyLimitAndMalformed(t *testing.T) {
	for _, c := range []struct {
		body string
		typ  string
	}{
		{`{"a":`, "error-invalid-body"},
		{`[1,2]`, "error-invalid-body"},
		{`{"a":"` + strings.Repeat("x", 2000) + `"}`, "error-request-too-large"},
	} {
		hr := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(c.body))
		r := &Request{ctx: hr.Context(), HTTP: hr, query: hr.URL.Query()}
		err := r.readBody(1024)
		if err == nil || !strings.Contains(err.Error(), c.typ) {
			t.Fatalf("body %.20q: err = %v, want %s", c.body, err, c.typ)
		}
	}
}
