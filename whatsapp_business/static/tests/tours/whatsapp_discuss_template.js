/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * An agent (Danish UI) opens Discuss: the conversation sits in the "WhatsApp"
 * category (not among direct messages), the header shows the window's end in
 * Danish, in the agent's date format and time zone; the composer's template
 * button opens the Send WhatsApp wizard for the customer, and the sent
 * template shows in the conversation.
 */
registry.category("web_tour.tours").add("whatsapp_discuss_template", {
    steps: () => [
        {
            content: "The sidebar has a WhatsApp category",
            trigger: ".o-mail-DiscussSidebarCategory-whatsapp:contains('WhatsApp')",
            timeout: 30000,
        },
        {
            content: "The conversation is listed under it, not among Direct messages",
            trigger: ".o-mail-DiscussSidebarChannel:contains('Jens Jensen')",
            run() {
                const category = document.querySelector(
                    ".o-mail-DiscussSidebarCategory-whatsapp"
                );
                const chats = document.querySelector(
                    ".o-mail-DiscussSidebarCategory-chat"
                );
                const follows = (a, b) =>
                    a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING;
                if (!follows(category, this.anchor) || !follows(this.anchor, chats)) {
                    throw new Error("The conversation is not in the WhatsApp category");
                }
            },
        },
        {
            content: "The header shows the window's end, in Danish and local time",
            trigger:
                ".o-mail-Discuss-header .o-whatsapp-DiscussHeader:contains('fri tekst indtil 02-06-2030 12:00')",
        },
        {
            content: "Open the template wizard from the composer",
            trigger: ".o-mail-Composer .o-whatsapp-Composer-template",
            run: "click",
        },
        {
            content: "The wizard is for the conversation's contact",
            trigger:
                ".modal .o_field_widget[name='partner_id']:contains('Jens Jensen')",
        },
        {
            content: "Choose a template",
            trigger: ".modal .o_field_widget[name='template_id'] input",
            run: "edit order_update",
        },
        {
            content: "Pick the approved template",
            trigger: ".o-autocomplete--dropdown-item:contains('order_update')",
            run: "click",
        },
        {
            content: "Send",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            // the message itself arrives over the bus (checked by the test)
            content: "The wizard closes, back in the conversation",
            trigger:
                "body:not(:has(.modal)) .o-mail-Composer .o-whatsapp-Composer-template",
        },
    ],
});
