package io.qmailfleet.job.parse;

/**
 * The mailbox an operator recognises behind a local recipient as qmail logs it.
 *
 * <p>qmail-send rewrites a recipient in a virtual domain ({@code control/virtualdomains} line
 * {@code domain:prefix}) to {@code prefix-user@domain} before the local delivery, and logs that.
 * vpopmail and indimail register each domain with itself as the prefix, so
 * {@code export@example.org} is logged as {@code example.org-export@example.org}.
 *
 * <p>Rule: for a local delivery to {@code L@D}, if L starts with {@code D-} (ASCII case ignored) and
 * something follows, the mailbox is {@code <rest of L>@D}; otherwise it is the address itself.
 * Remote recipients are never rewritten, so their mailbox is their address. Other prefixes
 * ({@code alice-info@virt.example.com} from {@code virt.example.com:alice}) cannot be told from
 * an ordinary address with a dash without the host's virtualdomains file, and stay as they are.
 */
public final class Mailbox {
    private Mailbox() {}

    /** The mailbox of a local recipient (see the class rule); null for null. */
    public static String of(String address) {
        if (address == null) return null;
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) return address;
        int domainLen = address.length() - at - 1;
        // local part = domain + "-" + at least one character
        if (at < domainLen + 2 || address.charAt(domainLen) != '-') return address;
        if (!address.regionMatches(true, 0, address, at + 1, domainLen)) return address;
        return address.substring(domainLen + 1);
    }

    /** The mailbox of a recipient on a channel: the rule for {@code local}, the address for {@code remote}. */
    public static String of(String address, String channel) {
        return "local".equals(channel) ? of(address) : address;
    }
}
