"""Format registry: one module per format, each with `write(plan, zip, progress)`; the
importable ones also have a Reader."""
from webapp.exports.formats import coco, cvat, davis, mots, sav, yolo, ytvis

WRITERS = {
    "davis": davis.write,
    "ytvis": ytvis.write,
    "coco": coco.write,
    "sav": sav.write,
    "yolo": yolo.write,
    "mots": mots.write,
    "cvat": cvat.write,
}

READERS = {
    "davis": davis.DavisReader,
    "ytvis": ytvis.YtvisReader,
    "coco": coco.CocoReader,
    "sav": sav.SavReader,
    "mots": mots.MotsReader,
    "yolo": yolo.YoloReader,
    "cvat": cvat.CvatReader,
}

# The stride a format uses where the export names none (default: every frame).
DEFAULT_STRIDES = {
    "sav": sav.default_stride,
}
