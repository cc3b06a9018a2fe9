/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("unitel_click_to_call", {
    steps: () => [
        {
            content: "The mobile field has a call button (shown on hover)",
            trigger:
                ".o_form_view .o_field_widget[name=mobile]:has(.o_unitel_call_button)",
            run: (helpers) => {
                // keep the browser from leaving for the tel: handler in the test
                const button = helpers.anchor.querySelector(".o_unitel_call_button");
                button.addEventListener("click", (ev) => ev.preventDefault(), {
                    once: true,
                });
                button.click();
            },
        },
        {
            content: "Give the background request logging the call a moment",
            trigger: "body",
            run: () => new Promise((resolve) => setTimeout(resolve, 1500)),
        },
        {
            content: "Open the contact's calls",
            trigger: ".o_form_view .oe_stat_button:contains('Calls')",
            run: "click",
        },
        {
            content: "The call log lists it",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Jensen ApS')",
        },
    ],
});
