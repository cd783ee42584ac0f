package settings

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"liftoff/model"
	"liftoff/settings/setting"
)

func byID(t *testing.T, list []*model.Setting) map[string]*model.Setting {
	t.Helper()
	m := make(map[string]*model.Setting, len(list))
	for _, s := range list {
		if _, dup := m[s.ID]; dup {
			t.Errorf("duplicate setting %s", s.ID)
		}
		m[s.ID] = s
	}
	return m
}

// TestDefaultsFacts checks defaults against Rocket.Chat's setting definitions.
func TestDefaultsFacts(t *testing.T) {
	m := byID(t, Defaults())
	facts := []struct {
		id     string
		typ    string
		value  any
		public bool
	}{
		{"Site_Name", TypeString, "Rocket.Chat", true},
		{"Language", TypeLanguage, "", true},
		{"Accounts_RegistrationForm", TypeSelect, "Public", true},
		{"Accounts_AllowAnonymousRead", TypeBoolean, false, true},
		{"Accounts_AllowDeleteOwnAccount", TypeBoolean, false, true},
		{"Accounts_AllowUsernameChange", TypeBoolean, true, true},
		{"Accounts_LoginExpiration", TypeInt, 90, true},
		{"Accounts_RequireNameForSignUp", TypeBoolean, true, true},
		{"Accounts_EmailVerification", TypeBoolean, false, true},
		{"Accounts_ManuallyApproveNewUsers", TypeBoolean, false, true},
		{"Accounts_Password_Policy_Enabled", TypeBoolean, false, true},
		{"Accounts_Password_Policy_MinLength", TypeInt, 7, true},
		{"Accounts_Password_Policy_MaxLength", TypeInt, -1, true},
		{"Accounts_TwoFactorAuthentication_Enabled", TypeBoolean, true, true},
		{"Accounts_Directory_DefaultView", TypeSelect, "channels", true},
		{"Accounts_Default_User_Preferences_idleTimeLimit", TypeInt, 300, true},
		{"Accounts_Default_User_Preferences_sidebarViewMode", TypeSelect, "medium", true},
		{"UTF8_User_Names_Validation", TypeString, "[0-9a-zA-Z-_.]+", true},
		{"UTF8_Channel_Names_Validation", TypeString, "[0-9a-zA-Z-_.]+", true},
		{"UI_Allow_room_names_with_special_chars", TypeBoolean, false, true},
		{"Message_AllowEditing_BlockEditInMinutes", TypeInt, 0, true},
		{"Message_MaxAllowedSize", TypeInt, 5000, true},
		{"Message_KeepHistory", TypeBoolean, false, true},
		{"Message_Read_Receipt_Enabled", TypeBoolean, false, true},
		{"Message_ErasureType", TypeSelect, "Delete", true},
		{"Threads_enabled", TypeBoolean, true, true},
		{"Unread_Count", TypeSelect, "user_and_group_mentions_only", true},
		{"Unread_Count_DM", TypeSelect, "all_messages", true},
		{"API_Enable_Rate_Limiter", TypeBoolean, true, false},
		{"API_Enable_Rate_Limiter_Limit_Calls_Default", TypeInt, 10, false},
		{"API_Enable_Rate_Limiter_Limit_Time_Default", TypeInt, 60000, false},
		{"API_Upper_Count_Limit", TypeInt, 100, true},
		{"API_Default_Count", TypeInt, 50, false},
		{"DDP_Rate_Limit_User_By_Method_Requests_Allowed", TypeInt, 20, false},
		{"Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", TypeInt, 10, false},
		{"Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", TypeInt, 50, false},
		{"FileUpload_MaxFileSize", TypeInt, 104857600, true},
		{"Favorite_Rooms", TypeBoolean, true, true},
		{"Store_Last_Message", TypeBoolean, true, true},
		{"Show_Setup_Wizard", TypeSelect, "pending", true},
		{"Layout_Home_Title", TypeString, "Home", true},
		{"Layout_Login_Terms", TypeCode, "", true},
		{"E2E_Enable", TypeBoolean, false, true},
	}
	for _, f := range facts {
		s, ok := m[f.id]
		if !ok {
			t.Errorf("%s missing", f.id)
			continue
		}
		if s.Type != f.typ || !reflect.DeepEqual(s.Value, f.value) || s.Public != f.public {
			t.Errorf("%s = {type %s, value %#v, public %v}, want {%s, %#v, %v}",
				f.id, s.Type, s.Value, s.Public, f.typ, f.value, f.public)
		}
	}
	if m["Show_Setup_Wizard"].PackageValue != "pending" {
		t.Error("Show_Setup_Wizard package value is not pending")
	}
	if m["Accounts_SystemBlockedUsernameList"].Hidden != true {
		t.Error("Accounts_SystemBlockedUsernameList not hidden")
	}
	if g := m["Message_MaxAllowedSize"].Group; g != "Message" {
		t.Errorf("Message_MaxAllowedSize group %q", g)
	}
	if sec := m["Accounts_RegistrationForm"].Section; sec != "Registration" {
		t.Errorf("Accounts_RegistrationForm section %q", sec)
	}
	if secret := m["Accounts_RegistrationForm_SecretURL"].Value; secret == "" {
		t.Error("secret URL empty")
	}
}

func TestDefaultsWellFormed(t *testing.T) {
	list := Defaults()
	for _, s := range list {
		if s.Group == "" {
			t.Errorf("%s has no group", s.ID)
		}
		if s.Type == TypeSelect || s.Type == TypeMultiSelect {
			if s.Type == TypeSelect && len(s.Values) == 0 {
				t.Errorf("select %s offers no choices", s.ID)
			}
		}
		if s.Type == TypeAsset {
			// Asset values ({url, defaultUrl}) are set by the assets
			// endpoints, never through Coerce (which refuses them).
			continue
		}
		// Every default must pass its own validation.
		if _, err := Coerce(s, s.Value); err != nil {
			t.Errorf("default of %s does not coerce: %v", s.ID, err)
		}
		// And survive a JSON round trip, as it does through the store.
		b, err := json.Marshal(s.Value)
		if err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		var back any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		if _, err := Coerce(s, back); err != nil {
			t.Errorf("JSON form of %s default does not coerce: %v", s.ID, err)
		}
	}
	// Fresh copies per call.
	a, b := Defaults(), Defaults()
	a[0].Value = "changed"
	if b[0].Value == "changed" {
		t.Error("Defaults shares settings between calls")
	}
}

func TestCoerce(t *testing.T) {
	boolean := &model.Setting{ID: "b", Type: TypeBoolean}
	integer := &model.Setting{ID: "i", Type: TypeInt}
	str := &model.Setting{ID: "s", Type: TypeString}
	code := &model.Setting{ID: "c", Type: TypeCode}
	sel := &model.Setting{ID: "sel", Type: TypeSelect, Values: []model.SettingValue{{Key: "Public"}, {Key: "Disabled"}}}
	multi := &model.Setting{ID: "m", Type: TypeMultiSelect, Values: []model.SettingValue{{Key: "a"}, {Key: "b"}}}
	openMulti := &model.Setting{ID: "om", Type: TypeMultiSelect}
	action := &model.Setting{ID: "act", Type: TypeAction}
	other := &model.Setting{ID: "o", Type: "roomPick"}

	tests := []struct {
		name    string
		s       *model.Setting
		in      any
		want    any
		wantErr bool
	}{
		{"bool true", boolean, true, true, false},
		{"bool false", boolean, false, false, false},
		{"bool from string", boolean, "true", nil, true},
		{"bool from number", boolean, 1.0, nil, true},
		{"bool from null", boolean, nil, nil, true},
		{"int from JSON number", integer, 42.0, 42, false},
		{"int negative", integer, -1.0, -1, false},
		{"int from int", integer, 7, 7, false},
		{"int from json.Number", integer, json.Number("12"), 12, false},
		{"int fractional", integer, 1.5, 1.5, false}, // a JavaScript number, as in Rocket.Chat
		{"int from string", integer, "5", nil, true},
		{"int too large", integer, 1e300, nil, true},
		{"string", str, "hello", "hello", false},
		{"string from number", str, 3.0, nil, true},
		{"code", code, "<b>x</b>", "<b>x</b>", false},
		{"select valid", sel, "Disabled", "Disabled", false},
		{"select unknown key", sel, "Secret", nil, true},
		{"select wrong type", sel, true, nil, true},
		{"multi from JSON", multi, []any{"a", "b"}, []string{"a", "b"}, false},
		{"multi empty", multi, []any{}, []string{}, false},
		{"multi unknown key", multi, []any{"a", "z"}, nil, true},
		{"multi non-string", multi, []any{"a", 1.0}, nil, true},
		{"multi not a list", multi, "a", nil, true},
		{"multi without choices", openMulti, []string{"x"}, []string{"x"}, false},
		{"action holds no value", action, "x", nil, true},
		{"unknown type passes", other, map[string]any{"k": "v"}, map[string]any{"k": "v"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Coerce(tt.s, tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Coerce(%#v) = %#v, want error", tt.in, got)
				}
				if !errors.Is(err, model.ErrInvalidSetting) {
					t.Errorf("error %v is not ErrInvalidSetting", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Coerce(%#v): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Coerce(%#v) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
	if _, err := Coerce(nil, true); err == nil {
		t.Error("Coerce(nil setting) did not fail")
	}
}

func TestParseValue(t *testing.T) {
	boolean := &model.Setting{ID: "b", Type: TypeBoolean}
	integer := &model.Setting{ID: "i", Type: TypeInt}
	str := &model.Setting{ID: "s", Type: TypeString}
	sel := &model.Setting{ID: "sel", Type: TypeSelect, Values: []model.SettingValue{{Key: "Public"}, {Key: "Secret URL"}}}
	multi := &model.Setting{ID: "m", Type: TypeMultiSelect}

	tests := []struct {
		s       *model.Setting
		in      string
		want    any
		wantErr bool
	}{
		{boolean, "true", true, false},
		{boolean, "FALSE", false, false},
		{boolean, " True ", true, false},
		{boolean, "yes", nil, true},
		{boolean, "", nil, true},
		{integer, "90", 90, false},
		{integer, "+5", 5, false},
		{integer, " -1 ", -1, false},
		{integer, "1.5", 1.5, false},
		{integer, "0.05", 0.05, false},
		{integer, "1.", nil, true},
		{integer, "1e3", nil, true},
		{integer, "12abc", nil, true},
		{integer, "9007199254740993", nil, true},
		{str, "true", "true", false},
		{str, "[0-9a-z]+", "[0-9a-z]+", false},
		{str, "", "", false},
		{sel, "Secret URL", "Secret URL", false},
		{sel, "Nope", nil, true},
		{multi, `["a","b"]`, []string{"a", "b"}, false},
		{multi, `[]`, []string{}, false},
		{multi, `null`, []string{}, false},
		{multi, `a,b`, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseValue(tt.s, tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseValue(%s, %q) error = %v, wantErr %v", tt.s.Type, tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseValue(%s, %q) = %#v, want %#v", tt.s.Type, tt.in, got, tt.want)
		}
	}
}

func TestOverrides(t *testing.T) {
	env := []string{
		"PATH=/usr/bin",
		"OVERWRITE_SETTING_Site_Name=My Chat",
		"OVERWRITE_SETTING_Message_MaxAllowedSize=10000",
		"OVERWRITE_SETTING_Layout_Home_Body=a=b=c",
		"OVERWRITE_SETTING_=ignored",
		"OVERWRITE_SETTING_Broken",
		"overwrite_setting_Lower=ignored",
		"OVERWRITE_SETTING_Accounts_LoginExpiration=soon",
	}
	got := Overrides(env)
	want := map[string]string{
		"Site_Name":                "My Chat",
		"Message_MaxAllowedSize":   "10000",
		"Layout_Home_Body":         "a=b=c",
		"Accounts_LoginExpiration": "soon",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Overrides = %#v, want %#v", got, want)
	}

	list := Defaults()
	err := ApplyOverrides(list, got)
	if err == nil || !strings.Contains(err.Error(), "Accounts_LoginExpiration") {
		t.Errorf("ApplyOverrides error = %v, want one naming Accounts_LoginExpiration", err)
	}
	m := byID(t, list)
	if m["Site_Name"].Value != "My Chat" || m["Message_MaxAllowedSize"].Value != 10000 {
		t.Errorf("overrides not applied: %#v %#v", m["Site_Name"].Value, m["Message_MaxAllowedSize"].Value)
	}
	if m["Accounts_LoginExpiration"].Value != 90 {
		t.Errorf("bad override changed the value to %#v", m["Accounts_LoginExpiration"].Value)
	}
	if m["Site_Name"].PackageValue != "Rocket.Chat" {
		t.Error("override changed the package value")
	}
	if err := ApplyOverrides(list, nil); err != nil {
		t.Errorf("no overrides: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry([]*model.Setting{
		{ID: "b", Type: TypeBoolean, Value: true},
		{ID: "bs", Type: TypeBoolean, Value: "TRUE"},
		{ID: "i", Type: TypeInt, Value: 5000},
		{ID: "f", Type: TypeInt, Value: 90.0},
		{ID: "frac", Type: TypeInt, Value: 1.5},
		{ID: "is", Type: TypeInt, Value: " 42 "},
		{ID: "jn", Type: TypeInt, Value: json.Number("7")},
		{ID: "s", Type: TypeString, Value: "Rocket.Chat"},
		{ID: "nil", Type: TypeString, Value: nil},
		nil,
	})
	if !r.Bool("b") || !r.Bool("bs") || r.Bool("s") || r.Bool("missing") {
		t.Error("Bool")
	}
	for id, want := range map[string]int{"i": 5000, "f": 90, "frac": 1, "is": 42, "jn": 7, "s": 0, "missing": 0} {
		if got := r.Int(setting.ID(id)); got != want {
			t.Errorf("Int(%s) = %d, want %d", id, got, want)
		}
	}
	if r.Float("frac") != 1.5 || r.Float("i") != 5000 || r.Float("s") != 0 {
		t.Error("Float")
	}
	if r.String("s") != "Rocket.Chat" || r.String("i") != "5000" || r.String("f") != "90" ||
		r.String("b") != "true" || r.String("nil") != "" || r.String("missing") != "" {
		t.Error("String")
	}

	got, ok := r.Get("s")
	if !ok || got.Value != "Rocket.Chat" {
		t.Fatalf("Get = %v, %v", got, ok)
	}
	got.Value = "mutated"
	if r.String("s") != "Rocket.Chat" {
		t.Error("Get returned the registry's own setting")
	}
	if _, ok := r.Get("missing"); ok {
		t.Error("Get of unknown id succeeded")
	}

	in := &model.Setting{ID: "s", Type: TypeString, Value: "Liftoff"}
	r.Set(in)
	in.Value = "changed after Set"
	if r.String("s") != "Liftoff" {
		t.Errorf("after Set, String = %q", r.String("s"))
	}
	r.Set(&model.Setting{ID: "new", Type: TypeBoolean, Value: true})
	r.Set(nil)
	r.Set(&model.Setting{})

	all := r.All()
	if len(all) != 10 {
		t.Fatalf("All has %d settings, want 10", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].ID >= all[i].ID {
			t.Fatalf("All not sorted: %s before %s", all[i-1].ID, all[i].ID)
		}
	}

	var zero Registry
	if zero.Bool("b") || len(zero.All()) != 0 {
		t.Error("zero Registry not empty")
	}
	zero.Set(&model.Setting{ID: "x", Value: 3})
	if zero.Int("x") != 3 {
		t.Error("Set on zero Registry")
	}
}

func TestRegistryConcurrent(t *testing.T) {
	r := NewRegistry(Defaults())
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				if n := r.Int("Message_MaxAllowedSize"); n != 5000 && n != 6000 {
					t.Errorf("Int = %d", n)
					return
				}
				r.Bool("Message_AllowEditing")
			}
		}()
	}
	for i := 0; i < 100; i++ {
		r.Set(&model.Setting{ID: "Message_MaxAllowedSize", Type: TypeInt, Value: 5000 + (i%2)*1000})
	}
	wg.Wait()
}

func BenchmarkRegistryInt(b *testing.B) {
	r := NewRegistry(Defaults())
	b.ReportAllocs()
	for b.Loop() {
		r.Int("Message_MaxAllowedSize")
	}
}
