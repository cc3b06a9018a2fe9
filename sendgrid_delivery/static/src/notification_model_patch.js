import {Notification} from "@mail/core/common/notification_model";

import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";

// SendGrid tells us when a delivered e-mail was opened or clicked: show it in
// the recipient list of the chatter message instead of a plain "Delivered".
patch(Notification.prototype, {
    get statusIcon() {
        if (this.notification_status === "sent") {
            if (this.sendgrid_engagement === "click") {
                return "fa fa-mouse-pointer";
            }
            if (this.sendgrid_engagement === "open") {
                return "fa fa-eye";
            }
        }
        return super.statusIcon;
    },
    get statusTitle() {
        if (this.notification_status === "sent") {
            if (this.sendgrid_engagement === "click") {
                return _t("Clicked");
            }
            if (this.sendgrid_engagement === "open") {
                return _t("Opened");
            }
        }
        return super.statusTitle;
    },
});
