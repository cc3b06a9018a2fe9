/** @odoo-module **/
// Click-to-call on every phone widget (contacts, leads, call log...): the
// number link and a call button place the call the way Settings says.
import { _t } from "@web/core/l10n/translation";
import { rpc } from "@web/core/network/rpc";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { session } from "@web/session";
import { PhoneField } from "@web/views/fields/phone/phone_field";

patch(PhoneField.prototype, {
    setup() {
        super.setup(...arguments);
        this.notification = useService("notification");
    },

    get unitelCallMode() {
        return session.unitel_call_mode || "tel";
    },

    get phoneHref() {
        const number = (this.props.record.data[this.props.name] || "").replace(/\s+/g, "");
        return (this.unitelCallMode === "callto" ? "callto:" : "tel:") + number;
    },

    async onUnitelCall(ev) {
        // keep list rows and kanban cards from opening the record
        ev.stopPropagation();
        const number = this.props.record.data[this.props.name];
        if (!number) {
            return;
        }
        const params = {
            number,
            res_model: this.props.record.resModel,
            res_id: this.props.record.resId || false,
        };
        if (this.unitelCallMode !== "api") {
            // The link itself hands the number to the softphone (it must be
            // opened inside the click); the server only logs the call.
            const result = await rpc("/unitel/call", params, { silent: true });
            if (result && !result.ok) {
                this.notification.add(result.message, {
                    title: _t("The call was not logged"),
                    type: "warning",
                });
            }
            return;
        }
        ev.preventDefault();
        const result = await rpc("/unitel/call", params);
        this.notification.add(result.message, {
            title: result.ok ? _t("Calling") : _t("The call could not be started"),
            type: result.ok ? "success" : "danger",
            sticky: !result.ok,
        });
    },
});
