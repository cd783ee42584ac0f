// Package integrations is the webhook-integrations service: it keeps
// incoming and outgoing integrations (Rocket.Chat's integrations.* API and
// its add/update/delete methods, with the manage-(own-)incoming/outgoing
// permissions), runs incoming webhooks (the /hooks endpoints) and delivers
// outgoing ones from committed events through the durable job queue. The
// pure parts live in the sub-packages: payload shaping and trigger matching
// in webhook, sandboxed scripts in script, slash commands in commands.
package integrations
