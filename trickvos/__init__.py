"""A literate, tested reproduction of TrickVOS: A Bag of Tricks for Video Object Segmentation (ICIP 2023)

Modules:

- `trickvos.backbone`: MobileNetV2 written layer by layer with torchvision's parameter names, cut after the stride-16 blocks; taps at strides 4, 8 and 16; ImageNet weights from a local file with the first layer adapted to any input channels.
- `trickvos.data`: Read DAVIS 2016, DAVIS 2017 and YouTube-VOS into one lazy `Video`: frames, label maps, object ids, which frames are annotated. Write predictions as DAVIS palette PNGs. Bad data fails early, naming the file.
- `trickvos.metrics`: Region similarity J and boundary accuracy F exactly as the official DAVIS 2017 evaluation defines them (a fast implementation with identical values), their mean / recall / decay statistics, the semi-supervised protocol for one sequence, scoring of a whole results folder into the official tables, and the copy-first-frame floor.
- `trickvos.model`: Key and value encoders, a space-time memory, L2 or dot-product affinity, an STCN decoder with skip connections and soft aggregation of several objects; STM, STCN and the 1.9M-parameter TrickVOS baseline as presets of one config.
- `trickvos.synthetic`: The embedded VOS benchmark every notebook and command uses by default: textured objects moving over panning backgrounds, occluding each other, leaving the frame, and crossing same-looking distractors; written in the DAVIS 2017 layout. Also STCN's static-image deformation clips (training stage 0)."""

__version__ = "0.0.1"
