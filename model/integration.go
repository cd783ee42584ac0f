package model

// Integration types (IIntegration.type).
const (
	IntegrationIncoming = "webhook-incoming"
	IntegrationOutgoing = "webhook-outgoing"
)

// Integration is an incoming or outgoing webhook (Rocket.Chat's
// IIncomingIntegration / IOutgoingIntegration, one record for both: the
// fields of the other type stay empty and are left out of the JSON).
type Integration struct {
	ID      string   `json:"_id"`
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Enabled bool     `json:"enabled"`
	Channel []string `json:"channel"`
	// Username and UserID are the user the integration posts as.
	Username      string       `json:"username"`
	UserID        string       `json:"userId"`
	Alias         string       `json:"alias,omitempty"`
	Avatar        string       `json:"avatar,omitempty"`
	Emoji         string       `json:"emoji,omitempty"`
	Token         string       `json:"token"`
	ScriptEnabled bool         `json:"scriptEnabled"`
	Script        string       `json:"script"`
	ScriptEngine  string       `json:"scriptEngine,omitempty"`
	ScriptError   *ScriptError `json:"scriptError,omitempty"`
	// Incoming only.
	OverrideDestinationChannelEnabled bool `json:"overrideDestinationChannelEnabled,omitempty"`
	// Outgoing only.
	Event               string   `json:"event,omitempty"`
	URLs                []string `json:"urls,omitempty"`
	TriggerWords        []string `json:"triggerWords,omitempty"`
	TriggerWordAnywhere bool     `json:"triggerWordAnywhere,omitempty"`
	ImpersonateUser     bool     `json:"impersonateUser,omitempty"`
	RunOnEdits          bool     `json:"runOnEdits,omitempty"`
	RetryFailedCalls    bool     `json:"retryFailedCalls,omitempty"`
	RetryCount          int      `json:"retryCount,omitempty"`
	RetryDelay          string   `json:"retryDelay,omitempty"`
	TargetRoom          string   `json:"targetRoom,omitempty"`

	CreatedAt Time     `json:"_createdAt"`
	CreatedBy UserRef  `json:"_createdBy"`
	UpdatedAt Time     `json:"_updatedAt"`
	UpdatedBy *UserRef `json:"_updatedBy,omitempty"`
}

// ScriptError is why an integration's script did not compile
// (IIntegration.scriptError).
type ScriptError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
}

// IntegrationHistory is one call of an integration, as it progressed
// (IIntegrationHistory): outgoing webhooks record every step, and incoming
// ones their script failures.
type IntegrationHistory struct {
	ID          string             `json:"_id"`
	Type        string             `json:"type"`
	Step        string             `json:"step"`
	Integration IntegrationSummary `json:"integration"`
	Event       string             `json:"event"`
	CreatedAt   Time               `json:"_createdAt"`
	UpdatedAt   Time               `json:"_updatedAt"`
	Finished    bool               `json:"finished"`

	TriggerWord        string         `json:"triggerWord,omitempty"`
	Data               map[string]any `json:"data,omitempty"`
	RanPrepareScript   bool           `json:"ranPrepareScript"`
	PrepareSentMessage []any          `json:"prepareSentMessage,omitempty"`
	ProcessSentMessage []any          `json:"processSentMessage,omitempty"`
	URL                string         `json:"url,omitempty"`
	HTTPCallData       map[string]any `json:"httpCallData,omitempty"`
	HTTPError          any            `json:"httpError,omitempty"`
	HTTPResult         string         `json:"httpResult,omitempty"`
	Error              bool           `json:"error,omitempty"`
	ErrorStack         any            `json:"errorStack,omitempty"`
}

// IntegrationSummary is the integration a history entry belongs to, as
// the entry keeps it.
type IntegrationSummary struct {
	ID        string  `json:"_id"`
	Type      string  `json:"type,omitempty"`
	Name      string  `json:"name,omitempty"`
	CreatedBy UserRef `json:"_createdBy"`
}

// BotMarker is the bot marker a client may put on its own message
// (Rocket.Chat's bots send {"i": ...}, the JS SDK {"i": "js.SDK"}): kept
// for holders of the bot role, dropped for anyone else, so that people
// cannot pass their messages off as a bot's.
func BotMarker(sender *User, bot map[string]any) map[string]any {
	if len(bot) == 0 || sender == nil || !sender.HasRole("bot") {
		return nil
	}
	return bot
}
