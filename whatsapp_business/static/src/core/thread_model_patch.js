/** @odoo-module */

import "@mail/core/public_web/thread_model_patch";
import {Record} from "@mail/core/common/record";
import {Thread} from "@mail/core/common/thread_model";
import {formatDateTime} from "@web/core/l10n/dates";
import {_t} from "@web/core/l10n/translation";
import {user} from "@web/core/user";
import {patch} from "@web/core/utils/patch";

// setTimeout takes at most a signed 32-bit delay (about 24.8 days)
const MAX_TIMEOUT = 2 ** 31 - 1;

/* WhatsApp conversations (fields sent by discuss.channel._to_store to internal
 * users): their own sidebar category, the 24-hour reply window, the template
 * wizard. */
patch(Thread.prototype, {
    setup() {
        super.setup(...arguments);
        /** @type {Boolean} */
        this.whatsapp_conversation = false;
        /** @type {String} the customer's number, formatted */
        this.whatsapp_display_number = undefined;
        this.whatsapp_window_end = Record.attr(undefined, {
            type: "datetime",
            onUpdate() {
                this._whatsappWatchWindow();
            },
        });
        /** @type {Boolean} free text may be sent (updated when the window ends) */
        this.whatsappIsWindowOpen = false;
        this._whatsappWindowTimeout = undefined;
    },
    _whatsappWatchWindow() {
        clearTimeout(this._whatsappWindowTimeout);
        const end = this.whatsapp_window_end;
        const delay = end ? end.toMillis() - Date.now() : 0;
        this.whatsappIsWindowOpen = delay > 0;
        if (delay > 0) {
            this._whatsappWindowTimeout = setTimeout(
                () => this._whatsappWatchWindow(),
                Math.min(delay, MAX_TIMEOUT)
            );
        }
    },
    _computeDiscussAppCategory() {
        if (this.whatsapp_conversation) {
            return this.store.discuss.whatsapp;
        }
        return super._computeDiscussAppCategory();
    },
    get allowDescription() {
        // the header shows the window in the reader's language instead
        return !this.whatsapp_conversation && super.allowDescription;
    },
    /** True when only templates may be sent: the composer gives way to a banner. */
    get whatsappIsWindowClosed() {
        return Boolean(this.whatsapp_conversation && !this.whatsappIsWindowOpen);
    },
    /** The window's end in the user's language, date format and time zone. */
    get whatsappWindowEndText() {
        if (!this.whatsapp_window_end) {
            return "";
        }
        const tz = user.tz && luxon.IANAZone.isValidZone(user.tz) ? user.tz : undefined;
        const text = formatDateTime(this.whatsapp_window_end, {tz, showSeconds: false});
        if (tz && tz !== luxon.Settings.defaultZone.name) {
            // the browser shows other times in its own zone: say which one this is
            return `${text} (${tz})`;
        }
        return text;
    },
    get whatsappHeaderText() {
        const number = this.whatsapp_display_number || "";
        if (!this.whatsapp_window_end) {
            return _t(
                "WhatsApp %(number)s · the customer has not written yet: only approved templates",
                {number}
            );
        }
        if (this.whatsappIsWindowOpen) {
            return _t("WhatsApp %(number)s · free text until %(date)s", {
                number,
                date: this.whatsappWindowEndText,
            });
        }
        return _t("WhatsApp %(number)s · the 24-hour window closed on %(date)s", {
            number,
            date: this.whatsappWindowEndText,
        });
    },
    get whatsappBannerText() {
        if (!this.whatsapp_window_end) {
            return _t(
                "The customer has not written yet — send a template to start the conversation"
            );
        }
        return _t(
            "The 24-hour window closed on %(date)s — send a template to restart the conversation",
            {date: this.whatsappWindowEndText}
        );
    },
    /** Opens the Send WhatsApp wizard for this conversation's contact. */
    async whatsappOpenTemplateComposer() {
        const action = await this.store.env.services.orm.call(
            "discuss.channel",
            "action_whatsapp_send_template",
            [[this.id]]
        );
        await this.store.env.services.action.doAction(action);
    },
});
