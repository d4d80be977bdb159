package coi.cli;

import coi.UsageException;
import coi.config.Config;
import coi.incus.Terminal;
import coi.session.ContainerName;
import coi.session.SessionAdmin;
import coi.session.SessionMetadata;
import coi.session.Workspace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The commands that look at and manage sessions: attach, list, info, shutdown, kill, clean, persist. */
final class SessionCommands {
    private SessionCommands() {}

    abstract static class Base implements Callable<Integer> {
        final Context context;
        @Spec
        CommandSpec spec;
        @Option(names = {"-w", "--workspace"}, paramLabel = "DIR", description = "Project folder (default: the current folder).")
        Path workspace;

        Base(Context context) {
            this.context = context;
        }

        Workspace ws() {
            return Workspace.of(workspace != null ? workspace : context.cwd());
        }

        Config config() {
            return context.config(workspace != null ? workspace : context.cwd());
        }

        SessionAdmin admin() {
            Config config = config();
            var incus = context.incus(config);
            return new SessionAdmin(incus, new coi.session.SessionStore(config.paths().sessionsDir()), context.containerPrefix(),
                    coi.session.Fencing.onHost(incus, Context.ids()[0]));
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Names given, or with --all every match after a confirmation (refused without a terminal). */
        List<String> targets(List<String> names, boolean all, boolean force, List<String> everything, String verb) {
            if (all && !names.isEmpty()) throw new UsageException("give container names or --all, not both");
            if (!all) {
                if (names.isEmpty()) throw new UsageException("name the containers to " + verb + " (see `coi list`), or use --all");
                return names;
            }
            if (everything.isEmpty()) return everything;
            if (!force) {
                if (!Terminal.interactive()) {
                    throw new UsageException("--all asks for confirmation and there is no terminal: add --force to " + verb + " " + everything.size() + " container(s)");
                }
                out().print(verb + " " + String.join(", ", everything) + "? [y/N] ");
                out().flush();
                try {
                    String answer = new BufferedReader(new InputStreamReader(System.in)).readLine();
                    if (answer == null || !answer.trim().toLowerCase().startsWith("y")) {
                        out().println("nothing done");
                        return List.of();
                    }
                } catch (java.io.IOException e) {
                    return List.of();
                }
            }
            return everything;
        }
    }

    @Command(name = "attach", description = {"Reattach to a running session's tmux.",
            "Without NAME: the only running session of this workspace (or a list when there are several)."})
    static final class Attach extends Base {
        @Parameters(arity = "0..1", paramLabel = "NAME") String name;
        @Option(names = "--slot", paramLabel = "N") Integer slot;
        @Option(names = "--bash", description = "Open a bash shell as code instead of the tool's tmux.") boolean bash;

        Attach(Context c) { super(c); }

        public Integer call() {
            if (slot != null) ContainerName.checkSlot(slot);
            Config config = config();
            return context.sessions(config, out()).attach(name == null ? ws() : null, name, slot, bash);
        }
    }

    @Command(name = "list", description = "List coi's containers (with --all also the saved sessions).")
    static final class ListSessions extends Base {
        @Option(names = "--all", description = "Also list saved sessions.") boolean all;
        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        ListSessions(Context c) { super(c); }

        public Integer call() {
            Output output = Output.parse(format);
            SessionAdmin admin = admin();
            List<SessionAdmin.Entry> entries = admin.list();
            List<SessionMetadata> saved = all ? admin.savedSessions() : List.of();
            if (output == Output.JSON) {
                Output.json(out(), all ? Map.of("containers", entries, "sessions", saved) : entries);
                return 0;
            }
            PrintWriter out = out();
            if (entries.isEmpty()) out.println("no coi containers");
            else out.printf("%-16s %-8s %-10s %-15s %-10s %-20s %s%n", "NAME", "STATUS", "MODE", "IPV4", "NETWORK", "CREATED", "WORKSPACE");
            for (var e : entries) {
                out.printf("%-16s %-8s %-10s %-15s %-10s %-20s %s%n", e.name(), e.status(), e.mode(), e.ipv4() == null ? "-" : e.ipv4(),
                        e.network() == null ? "-" : e.network() + (e.blocked() > 0 ? " (" + e.blocked() + " blocked)" : ""), e.created() == null ? "-" : e.created().substring(0, Math.min(19, e.created().length())),
                        e.workspace());
            }
            if (all) {
                out.println();
                if (saved.isEmpty()) out.println("no saved sessions");
                else out.printf("%-36s %-8s %-8s %-20s %s%n", "SESSION", "TOOL", "STATUS", "SAVED", "WORKSPACE");
                for (var m : saved) {
                    out.printf("%-36s %-8s %-8s %-20s %s%n", m.sessionId(), m.tool(), m.status(),
                            m.savedAt().substring(0, Math.min(19, m.savedAt().length())), m.workspace());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "info", description = "Show a saved session (default: the newest of this workspace).")
    static final class Info extends Base {
        @Parameters(arity = "0..1", paramLabel = "SESSION_ID") String id;
        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        Info(Context c) { super(c); }

        public Integer call() {
            Output output = Output.parse(format);
            Map<String, Object> info = admin().info(id, id == null ? ws() : null);
            if (output == Output.JSON) Output.json(out(), info);
            else {
                info.forEach((k, v) -> out().printf("%-16s %s%n", k, v));
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "shutdown", description = "Stop sessions cleanly (session saved), then delete their containers.")
    static final class Shutdown extends Base {
        @Parameters(arity = "0..*", paramLabel = "NAME") List<String> names = new ArrayList<>();
        @Option(names = "--all", description = "Every coi container (asks first unless --force).") boolean all;
        @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for a clean stop (default ${DEFAULT-VALUE}).") int timeout;
        @Option(names = {"-f", "--force"}, description = "Do not ask; stop at once if the clean stop times out.") boolean force;

        Shutdown(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> targets = targets(names, all, force, all ? admin.allNames() : List.of(), "shut down");
            for (String n : admin.shutdown(targets, timeout, force)) out().println("shut down " + n);
            out().flush();
            return 0;
        }
    }

    @Command(name = "kill", description = "Stop and delete sessions at once (session metadata is still saved).")
    static final class Kill extends Base {
        @Parameters(arity = "0..*", paramLabel = "NAME") List<String> names = new ArrayList<>();
        @Option(names = "--all", description = "Every coi container (asks first unless --force).") boolean all;
        @Option(names = {"-f", "--force"}, description = "Do not ask.") boolean force;

        Kill(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> targets = targets(names, all, force, all ? admin.allNames() : List.of(), "kill");
            for (String n : admin.kill(targets)) out().println("killed " + n);
            out().flush();
            return 0;
        }
    }

    @Command(name = "clean", description = {"Remove stopped coi containers and leftovers (e.g. of a `coi run` whose coi was killed).",
            "With --sessions also delete saved sessions that no container uses."})
    static final class Clean extends Base {
        @Option(names = {"-f", "--force"}, description = "Do not ask.") boolean force;
        @Option(names = "--sessions", description = "Also delete ended saved sessions.") boolean sessions;

        Clean(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> leftovers = admin.leftovers();
            List<SessionMetadata> ended = sessions ? admin.endedSessions() : List.of();
            List<String> what = new ArrayList<>(leftovers);
            ended.forEach(m -> what.add("session " + m.sessionId()));
            if (!what.isEmpty() && targets(List.of(), true, force, what, "remove").isEmpty()) return 0;
            for (String n : admin.clean(leftovers)) out().println("removed " + n);
            var rules = admin.cleanOrphanRules();
            rules.forEach(r -> out().println("removed network rules of " + r));
            if (what.isEmpty() && rules.isEmpty()) out().println("nothing to clean");
            admin.deleteSessions(ended);
            for (var m : ended) out().println("deleted session " + m.sessionId());
            out().flush();
            return 0;
        }
    }

    @Command(name = "persist", description = "Make running ephemeral sessions persistent (kept when they stop).")
    static final class Persist extends Base {
        @Parameters(arity = "0..*", paramLabel = "NAME") List<String> names = new ArrayList<>();
        @Option(names = "--all", description = "Every running coi container.") boolean all;

        Persist(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> targets = targets(names, all, true, all ? admin.runningNames() : List.of(), "persist");
            for (String n : admin.persist(targets)) out().println("persistent: " + n);
            out().flush();
            return 0;
        }
    }
}
