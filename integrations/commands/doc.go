// Package commands is the slash-command registry: Rocket.Chat's
// slashCommands. Built-in commands, and later apps, register a Command;
// the transports answer commands.list, commands.get, commands.run,
// commands.preview and the DDP slashCommand method through it, and the
// message path asks Route whether a text is a command.
//
// The registry is generic over E, the environment a command runs in: the
// wiring defines E (the services and the notice sender built-ins need) and
// passes it to Run, so each built-in is one small function of (ctx, env,
// invocation) and this package depends on none of those services.
package commands
