package coi.train;

import coi.network.Nft;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * nft as far as the training's launches use it, in memory: which containers have rules. The
 * training never changes the host's firewall; the ruleset is rendered and "applied" here instead.
 */
final class MemoryNft implements Nft {
    private static final Pattern CONTAINER = Pattern.compile("add counter inet \\S+ (\\S+)\\.blocked");
    private final Set<String> fenced = ConcurrentHashMap.newKeySet();

    @Override
    public String run(String stdin, String... args) {
        if (args.length > 0 && args[0].equals("-j")) {
            // `-j list table inet coi`: the containers with rules; every other family's table is empty
            boolean inet = String.join(" ", args).startsWith("-j list table inet ");
            return Stream.concat(Stream.of("{\"metainfo\": {}}"), inet ? fenced.stream()
                    .map(c -> "{\"chain\": {\"family\": \"inet\", \"table\": \"" + args[4] + "\", \"name\": \"" + c + ".fwd\"}}") : Stream.empty())
                    .collect(Collectors.joining(", ", "{\"nftables\": [", "]}"));
        }
        Matcher m = CONTAINER.matcher(stdin);
        if (m.find()) {
            if (stdin.contains("add rule")) fenced.add(m.group(1));
            else fenced.remove(m.group(1));
        }
        return "";
    }
}
