package coi.cli;

import coi.UsageException;
import coi.config.Config;
import coi.incus.Terminal;
import coi.session.ContainerName;
import coi.session.GitGuard;
import coi.session.SessionAdmin;
import coi.session.SessionMetadata;
import coi.session.Workspace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
            return context.services(config()).admin();
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** The original's lines: "Killed NAME" per container, then "Killed N container(s)", or "No containers to kill". */
        void summary(Quiet quiet, List<String> done, String past, String verb) {
            if (done.isEmpty()) {
                quiet.say(out(), "No containers to " + verb);
                return;
            }
            done.forEach(n -> quiet.say(out(), past + " " + n));
            quiet.say(out(), past + " " + done.size() + " container(s)");
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
                } catch (IOException e) {
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
        @Option(names = "--slot", paramLabel = "N", description = "The session of this workspace in this slot.") Integer slot;
        @Option(names = "--bash", description = "Open a bash shell as code instead of the tool's tmux.") boolean bash;

        Attach(Context c) { super(c); }

        public Integer call() {
            if (slot != null) ContainerName.checkSlot(slot);
            Config config = config();
            return context.services(config).sessions(out()).attach(name == null ? ws() : null, name, slot, bash);
        }
    }

    @Command(name = "list", description = "List coi's containers (with --all also the saved sessions).")
    static final class ListSessions extends Base {
        @Option(names = "--all", description = "Also list saved sessions.") boolean all;
        @Option(names = "--format", defaultValue = "text", description = "text or json") String format;

        ListSessions(Context c) { super(c); }

        public Integer call() {
            Output output = Output.parse(format);
            ListView.print(admin(), all, output, out());
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
                // stopped_by names what the agent ran (see Threat)
                info.forEach((k, v) -> out().printf("%-16s %s%n", k, coi.Printable.line(String.valueOf(v))));
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
        @Mixin Quiet quiet;

        Shutdown(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> targets = targets(names, all, force, all ? admin.allNames() : List.of(), "shut down");
            List<String> done = admin.shutdown(targets, timeout, force);
            summary(quiet, done, "Shutdown", "shutdown");
            return 0;
        }
    }

    @Command(name = "kill", description = "Stop and delete sessions at once (session metadata is still saved).")
    static final class Kill extends Base {
        @Parameters(arity = "0..*", paramLabel = "NAME") List<String> names = new ArrayList<>();
        @Option(names = "--all", description = "Every coi container (asks first unless --force).") boolean all;
        @Option(names = {"-f", "--force"}, description = "Do not ask.") boolean force;
        @Mixin Quiet quiet;

        Kill(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> targets = targets(names, all, force, all ? admin.allNames() : List.of(), "kill");
            summary(quiet, admin.kill(targets), "Killed", "kill");
            return 0;
        }
    }

    @Command(name = "clean", description = {"Remove stopped coi containers and what ended sessions left behind.",
            "That is also what a killed `coi run` left, and the placeholders of protected paths in",
            "workspaces no container is left in. Checks the nested git repositories of workspaces",
            "with a session open (or ended unchecked) and moves aside what the agent wrote there",
            "that could run a command. With --sessions (or --all) also deletes saved sessions no container uses."})
    static final class Clean extends Base {
        @Option(names = {"-f", "--force"}, description = "Do not ask.") boolean force;
        @Option(names = {"--sessions", "--all"}, description = "Also delete ended saved sessions (--all: the original's name).") boolean sessions;
        @Mixin Quiet quiet;

        Clean(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> leftovers = admin.leftovers();
            List<SessionMetadata> ended = sessions ? admin.endedSessions() : List.of();
            List<String> what = new ArrayList<>(leftovers);
            ended.forEach(m -> what.add("session " + m.sessionId()));
            if (!what.isEmpty() && targets(List.of(), true, force, what, "remove").isEmpty()) return 0;
            for (String n : admin.clean(leftovers)) quiet.say(out(), "removed " + n);
            var rules = admin.cleanOrphanRules();
            rules.forEach(r -> quiet.say(out(), "removed network rules of " + r));
            List<String> views = admin.cleanOrphanViews();
            views.forEach(v -> quiet.say(out(), "removed protected view of " + v));
            List<String> placeholders = admin.cleanPlaceholders();
            placeholders.forEach(p -> quiet.say(out(), "removed placeholder " + p));
            List<GitGuard.Quarantined> git = admin.cleanGit();
            git.forEach(q -> quiet.say(out(), q.describe()));
            admin.deleteSessions(ended);
            for (var m : ended) quiet.say(out(), "deleted session " + m.sessionId());
            int items = leftovers.size() + rules.size() + views.size() + placeholders.size() + git.size() + ended.size();
            quiet.say(out(), items == 0 ? "nothing to clean" : "Cleaned " + items + " item(s)");
            return 0;
        }
    }

    @Command(name = "persist", description = "Make running ephemeral sessions persistent (kept when they stop).")
    static final class Persist extends Base {
        @Parameters(arity = "0..*", paramLabel = "NAME") List<String> names = new ArrayList<>();
        @Option(names = "--all", description = "Every running coi container (asks first unless --force).") boolean all;
        @Option(names = {"-f", "--force"}, description = "Do not ask.") boolean force;
        @Mixin Quiet quiet;

        Persist(Context c) { super(c); }

        public Integer call() {
            SessionAdmin admin = admin();
            List<String> targets = targets(names, all, force, all ? admin.runningNames() : List.of(), "persist");
            summary(quiet, admin.persist(targets), "Persisted", "persist");
            return 0;
        }
    }
}
