"""Slack's Block Kit and message limits, as the bot enforces them (constants only).

Slack answers ``invalid_blocks`` (and posts nothing) when any one of these is exceeded,
so ``bot.slack.blockkit.blocks`` clips every field to them. Lengths are counted by
``mrkdwn.slack_len``.
"""

from __future__ import annotations

# Section block: "Maximum length for the text in this field is 3000 characters."
SECTION_TEXT = 3000
# Header block: "Maximum length for the text in this field is 150 characters." (plain_text)
HEADER_TEXT = 150
# Context block: elements, "Maximum number of items is 10."; each a text object, whose
# text is limited like a section's (3000).
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 3000
# Actions block: "There is a maximum of 25 elements in each action block."
ACTIONS_ELEMENTS = 25
# Blocks: "You can include up to 50 blocks in each message" (100 in modals and Home tabs).
MESSAGE_BLOCKS = 50
# Button element: text "Maximum length for the text in this field is 75 characters.";
# value "Maximum length for this field is 2000 characters."
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
# action_id and block_id: "Maximum length for this field is 255 characters."
ACTION_ID = 255
BLOCK_ID = 255
# Confirmation dialog object: title 100, text 300, confirm and deny button text 30 each.
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
# chat.postMessage: "The text field ... will be truncated … more than 40,000 characters."
MESSAGE_TEXT = 40_000
# Our own budget for a message's top-level text (the notification fallback, or the whole
# message when it has no blocks): a section's worth, far under MESSAGE_TEXT.
FALLBACK_TEXT = 3000
# Views (modals and Home tabs): "Maximum of 100 blocks"; a modal's title, submit and close:
# "Maximum length for this field is 24 characters"; private_metadata: "Maximum length …
# 3000 characters"; callback_id 255.
VIEW_BLOCKS = 100
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
# Input block label: "Maximum length for the text in this field is 2000 characters"; hint 2000.
INPUT_LABEL = 2000
# Option object: text "Maximum length for this field is 75 characters"; value 150. An
# external_select's options response: "up to 100 options".
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
# Select placeholder: "Maximum length for the text in this field is 150 characters."
PLACEHOLDER = 150
