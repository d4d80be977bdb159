package coi.image;

/** Placeholder replaced when the image recipe lands. */
final class CoiImage {
    private CoiImage() {}
}
