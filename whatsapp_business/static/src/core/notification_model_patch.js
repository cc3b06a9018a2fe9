/** @odoo-module */

import {Notification} from "@mail/core/common/notification_model";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";

/* Delivery marks of outgoing WhatsApp messages, on Discuss's own notification
 * display (the one e-mails and SMS use): ✓ sent, ✓✓ delivered, ✓✓ read, and
 * Meta's reason when it failed. */
patch(Notification.prototype, {
    setup() {
        super.setup(...arguments);
        /** @type {String} state of the whatsapp.message: outgoing, sent, delivered, read, failed */
        this.whatsapp_status = undefined;
        /** @type {String} Meta's reason, on a failed WhatsApp message */
        this.whatsapp_failure_reason = undefined;
    },
    get isWhatsapp() {
        return this.notification_type === "whatsapp";
    },
    get icon() {
        if (this.isWhatsapp) {
            return this.whatsapp_status === "failed"
                ? "fa fa-whatsapp text-danger"
                : "fa fa-whatsapp";
        }
        return super.icon;
    },
    get label() {
        if (this.isWhatsapp) {
            const labels = {
                outgoing: _t("Queued"),
                sent: _t("✓ Sent"),
                delivered: _t("✓✓ Delivered"),
                read: _t("✓✓ Read"),
                failed: _t("Failed"),
            };
            return labels[this.whatsapp_status] || labels.outgoing;
        }
        return super.label;
    },
    get statusIcon() {
        if (this.isWhatsapp) {
            const icons = {
                outgoing: "fa fa-hourglass-half",
                sent: "fa fa-check",
                delivered: "fa fa-check",
                read: "fa fa-eye",
                failed: "fa fa-exclamation text-danger",
            };
            return icons[this.whatsapp_status] || icons.outgoing;
        }
        return super.statusIcon;
    },
    get statusTitle() {
        if (this.isWhatsapp) {
            if (this.whatsapp_status === "failed" && this.whatsapp_failure_reason) {
                return _t("Failed: %(reason)s", {reason: this.whatsapp_failure_reason});
            }
            return this.label;
        }
        return super.statusTitle;
    },
});
