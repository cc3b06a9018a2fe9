/** @odoo-module **/
// Click-to-call on every phone widget (contacts, leads, call log...): the
// number link and a call button place the call the way Settings says.
import {ConfirmationDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {browser} from "@web/core/browser/browser";
import {_t} from "@web/core/l10n/translation";
import {rpc} from "@web/core/network/rpc";
import {useService} from "@web/core/utils/hooks";
import {patch} from "@web/core/utils/patch";
import {session} from "@web/session";
import {PhoneField} from "@web/views/fields/phone/phone_field";

patch(PhoneField.prototype, {
    setup() {
        super.setup(...arguments);
        this.notification = useService("notification");
        this.dialog = useService("dialog");
    },

    get unitelCallMode() {
        return session.unitel_call_mode || "tel";
    },

    get phoneHref() {
        const number = (this.props.record.data[this.props.name] || "").replace(
            /\s+/g,
            ""
        );
        return (this.unitelCallMode === "callto" ? "callto:" : "tel:") + number;
    },

    async onUnitelCall(ev) {
        // keep list rows and kanban cards from opening the record
        ev.stopPropagation();
        const number = this.props.record.data[this.props.name];
        if (!number) {
            return;
        }
        // The server may ask a question before anything is dialled (e.g. "is
        // this a service call?"): the link is opened once it has said yes.
        ev.preventDefault();
        await this.unitelPlaceCall({
            number,
            res_model: this.props.record.resModel,
            res_id: this.props.record.resId || false,
            confirmations: [],
        });
    },

    async unitelPlaceCall(params) {
        const href = this.phoneHref;
        const linkMode = this.unitelCallMode !== "api";
        const result = await rpc("/unitel/call", params, {silent: linkMode});
        if (result && result.confirm) {
            const question = result.confirm;
            this.dialog.add(ConfirmationDialog, {
                title: question.title,
                body: question.message,
                confirmLabel: question.confirm_label,
                confirm: async () => {
                    await this.unitelPlaceCall({
                        ...params,
                        confirmations: [...params.confirmations, question.key],
                    });
                },
                cancel: () => {},
            });
            return;
        }
        if (linkMode) {
            // The softphone takes the number from the link; the server only logs.
            browser.location.assign(href);
            if (result && !result.ok) {
                this.notification.add(result.message, {
                    title: _t("The call was not logged"),
                    type: "warning",
                });
            }
            return;
        }
        this.notification.add(result.message, {
            title: result.ok ? _t("Calling") : _t("The call could not be started"),
            type: result.ok ? "success" : "danger",
            sticky: !result.ok,
        });
    },
});
