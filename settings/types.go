package settings

// Setting types, as Rocket.Chat names them in ISetting.type.
const (
	TypeBoolean     = "boolean"
	TypeString      = "string"
	TypeInt         = "int"
	TypeSelect      = "select"
	TypeMultiSelect = "multiSelect"
	TypeCode        = "code"
	TypePassword    = "password"
	TypeLanguage    = "language"
	TypeTimezone    = "timezone"
	TypeRelativeURL = "relativeUrl"
	TypeEmail       = "email"
	TypeColor       = "color"
	TypeFont        = "font"
	TypeTimespan    = "timespan"
	TypeAction      = "action"
	TypeAsset       = "asset"
)
