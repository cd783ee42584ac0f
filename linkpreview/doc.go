// Package linkpreview makes Rocket.Chat's URL previews: the meta and
// headers of a message's urls entries, and chat.getURLPreview's answer.
// For each URL it fetches the page through the SSRF-safe client
// (internal/safehttp) within Rocket.Chat's limits (250 000 bytes,
// API_EmbedTimeout, five redirects, API_EmbedIgnoredHosts,
// API_EmbedSafePorts), decodes it to UTF-8, and reads with
// golang.org/x/net/html the page title and the <meta> tags (Open Graph,
// Twitter cards, description...), keyed as Rocket.Chat keys them
// (camel case: og:title becomes ogTitle). URLs of the oEmbed providers
// Rocket.Chat knows (YouTube, Vimeo, SoundCloud, Spotify...) are asked to
// the provider's oEmbed endpoint instead. Results are cached (Cache) for
// API_EmbedCacheExpirationDays.
//
// Settings are read at each call through SettingsReader, so an
// administrator's change applies at once.
package linkpreview
