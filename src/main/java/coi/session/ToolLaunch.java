package coi.session;

import java.util.List;
import java.util.Map;

/** The tool as the session needs it: what to run, with which environment, and where its state lives. */
public record ToolLaunch(String name, List<String> command, Map<String, String> environment, String stateDir) {
    public ToolLaunch {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
