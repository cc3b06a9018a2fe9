/** @odoo-module **/
import {registry} from "@web/core/registry";

// The PBX posts a call for this user; the live notification appears and its
// Open button opens the caller. (Tests do not commit, so the tour asks the bus
// to re-subscribe, which makes the server send the queued notification.)
registry.category("web_tour.tours").add("unitel_incoming_notification", {
    steps: () => [
        {
            content:
                "Odoo is open; the PBX reports an incoming call for extension 2901",
            trigger: ".o_action_manager .o_view_controller",
            run: async () => {
                const response = await fetch("/unitel/calls", {
                    method: "POST",
                    headers: {
                        Authorization: "Bearer s3cret-notification-token",
                        "Content-Type": "application/json",
                    },
                    body: JSON.stringify({number: "+4512345678", called: "2901"}),
                });
                if (response.status !== 200) {
                    throw new Error(`/unitel/calls answered ${response.status}`);
                }
                odoo.__WOWL_DEBUG__.root.env.services.bus_service.forceUpdateChannels();
            },
        },
        {
            content: "The notification names the caller and offers to open them",
            trigger:
                ".o_notification:contains('Incoming call from Hansen A/S') button:contains('Open')",
            run: "click",
        },
        {
            content: "The caller's contact form is open",
            trigger: ".o_form_view .o_breadcrumb:contains('Hansen A/S')",
        },
    ],
});
