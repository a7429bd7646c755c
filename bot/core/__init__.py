"""Platform-neutral core: events, replies, context, commands, cogs, registry, dispatcher."""
