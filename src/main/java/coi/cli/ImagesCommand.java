package coi.cli;

import picocli.CommandLine.Command;

/** `coi images`: the original's short form of `coi image list`, same options. */
@Command(name = "images", description = "List images (short for `coi image list`).")
final class ImagesCommand extends ImageCommand.ListImages {
    ImagesCommand(Context c) { super(c); }
}
