package bot

// This file is the whole Slack surface of jobdesc: every command, callback id,
// action id and event the bot answers to. manifest.yml grants exactly what is
// listed here (a test in cmd/jobdesc keeps the two in step).

// Command is the slash command the bot routes. Its text selects a subcommand
// (help, list, post ID) or a role id from the template catalogue.
const Command = "/jobdesc"

// Subcommands of Command, besides a role id.
const (
	subHelp = "help"
	subList = "list"
	subPost = "post"
)

// Callback ids of the views the bot opens.
const (
	callbackDraft = "jobdesc.draft" // the role's modal: new draft or edit
	callbackCheck = "jobdesc.check" // "Check before posting": warnings and tips
	callbackHome  = "jobdesc.home"  // the App Home tab
)

// Action ids of the buttons the bot shows.
const (
	actionEdit       = "draft.edit"   // review message and Home: open the modal prefilled
	actionExport     = "draft.export" // review message and Home: Markdown and plain text, privately
	actionBackToEdit = "check.back"   // check view: return to the modal with the values kept
)

// Events the bot subscribes to (manifest.yml: settings.event_subscriptions.bot_events).
const (
	eventReactionAdded   = "reaction_added"
	eventReactionRemoved = "reaction_removed"
	eventAppHomeOpened   = "app_home_opened"
)

// Events returns the bot events the bot handles, for the manifest consistency test.
func Events() []string {
	return []string{eventReactionAdded, eventReactionRemoved, eventAppHomeOpened}
}

// Methods returns the Web API methods the bot calls, for the manifest
// consistency test (each needs a scope or token the manifest grants).
func Methods() []string {
	return []string{
		"auth.test",
		"apps.connections.open",
		"views.open",
		"views.update",
		"views.publish",
		"chat.postMessage",
		"chat.postEphemeral",
		"chat.update",
		"chat.getPermalink",
		"conversations.history",
	}
}
