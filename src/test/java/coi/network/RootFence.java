package coi.network;

import java.util.List;

/** The host's firewall as the tests (root) drive it: `nft` run directly. */
public final class RootFence {
    private RootFence() {}

    public static NetworkFence of() {
        return new NetworkFence(Nft.command(List.of("nft")));
    }
}
