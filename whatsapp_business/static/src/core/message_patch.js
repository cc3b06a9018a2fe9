/** @odoo-module */

import {Component, toRaw} from "@odoo/owl";
import {Message} from "@mail/core/common/message";
import {usePopover} from "@web/core/popover/popover_hook";
import {patch} from "@web/core/utils/patch";

/* The popover of a WhatsApp delivery mark: who, which mark, and Meta's reason
 * when it failed. Its own component: other addons (snailmail) replace
 * Discuss's notification popover with a copy of theirs. */
export class WhatsappNotificationPopover extends Component {
    static template = "whatsapp_business.WhatsappNotificationPopover";
    static props = ["message", "close?"];
}

patch(Message.prototype, {
    setup() {
        super.setup(...arguments);
        this.whatsappPopover = usePopover(WhatsappNotificationPopover, {
            position: "top",
        });
    },
    onClickNotification(ev) {
        const message = toRaw(this.message);
        if (message.notifications.some((notification) => notification.isWhatsapp)) {
            this.whatsappPopover.open(ev.target, {message});
            return;
        }
        return super.onClickNotification(ev);
    },
});
